"""The rule layer of the coder: moves whose language is regular enough for patterns.

Each function reads one sentence and says what it found and why, so every label the scorecard
shows can be traced to a named rule. Patterns match the sentence in lower case with curly
apostrophes straightened; "core" means with fillers and discourse openers stripped.

Conventions (documented in docs/scorecard-json.md as well):
- A question's form (open / closed) is read from its interrogative, after any leading
  subordinate clause ("When you think about it, what ...?" is a what-question).
- "How many / how long / when / where / who / which" ask for a fact: closed (MITI 4.2.1).
- "Can you tell me / could you say more" are invitations to talk: open.
- "Why don't you ...?" and "Why not ...?" are suggestions dressed as questions: leading
  questions carrying advice, not why-questions.
- A declarative sentence with a question mark ("So the deadline moved?") is a reflection with
  rising intonation, as MI coding manuals treat it (coder.py decides with the classifier). A
  choice between named options ("A week or a month?") is a closed question.
- Transcribed speech is read past its debris: a leading dash, a stage direction, a speaker
  label, stutters ("Wh-what"); "I was wondering if ..." is "I wonder if ..."; an invitation
  after a spoken preamble ("Well, you know, tell me about ...") is an open question.
- "Is that right?" closing a reflection is a check of understanding, part of the reflection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from app.scoring.language import core_form, normalise_apostrophes, word_count, words
from app.scoring.lexicons import Lexicon, load_lexicons


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


def _starts(*alternatives: str) -> re.Pattern[str]:
    return re.compile("^(?:" + "|".join(f"(?:{a})" for a in alternatives) + r")\b")


# The cue lexicons live in app/scoring/lexicons/*.yaml (validated at load, each entry with an id
# and examples). The names below are their combined patterns, kept for the modules that use them.
LEXICONS: dict[str, Lexicon] = load_lexicons()

PERMISSION_ASK = LEXICONS["permission-ask"].pattern
AUTONOMY = LEXICONS["autonomy"].pattern
PERMISSION_GRANTED = LEXICONS["permission-granted"].pattern
FEEDBACK_OFFER = LEXICONS["feedback-offer"].pattern
REFUSAL = LEXICONS["refusal"].pattern
ADVICE = LEXICONS["advice"].pattern
IMPERATIVE = LEXICONS["imperative"].pattern
JUDGEMENT = LEXICONS["judgement"].pattern
ONGOING = LEXICONS["ongoing"].pattern
RECAP = LEXICONS["recap"].pattern
OBSERVATION = LEXICONS["observation"].pattern
SELF_DISCLOSURE = LEXICONS["self-disclosure"].pattern
AFFIRMATION = LEXICONS["affirmation"].pattern
SUMMARY = LEXICONS["summary"].pattern
REFLECTION = LEXICONS["reflection-opener"].pattern
STRONG_REFLECTION = LEXICONS["strong-reflection"].pattern
INFORMATION = LEXICONS["information"].pattern
AGENDA = LEXICONS["agenda"].pattern
COMPLEX_MARKERS = LEXICONS["complex-marker"].pattern
BACKCHANNEL = LEXICONS["backchannel"].words
_SITUATION = LEXICONS["sbi-situation"].pattern
_BEHAVIOUR = LEXICONS["sbi-behaviour"].pattern
_IMPACT = LEXICONS["sbi-impact"].pattern
_REQUEST = LEXICONS["sbi-request"].pattern
_FEELING = LEXICONS["feeling"].pattern
_BY_PATTERN = {lexicon.pattern: lexicon for lexicon in LEXICONS.values()}


def lexicon(which: str | re.Pattern[str] | Lexicon) -> Lexicon:
    """A lexicon by file stem ("permission-ask") or by its combined pattern (``PERMISSION_ASK``)."""
    if isinstance(which, Lexicon):
        return which
    if isinstance(which, str):
        return LEXICONS[which]
    return _BY_PATTERN[which]


# Transcribed speech: a turn picked up mid-sentence ("- how are you taking them?"), a stage
# direction or speaker label before the words ("[laughs] Have you ...", "Speaker 1: ..."), and
# stutters ("wh-what", "can you- can you") hide the words that say what the sentence does.
_SPOKEN_LEAD = re.compile(
    r"^(?:\s*(?:[-\u2013\u2014.\u2026]+|\[[^\]]*\]|\([^)]*\)|speaker\s*\w*\s*:)\s*)+", re.IGNORECASE
)
_STUTTER = re.compile(r"\b(\w{1,4})-+\s*(?=\1)")
_REPEATED_WORDS = re.compile(r"\b(\w+ \w+)[-\u2013\u2014]+\s*\1\b")


def spoken_core(text: str) -> str:
    """``core_form`` of a sentence after transcript debris: leading dashes, stage directions,
    speaker labels and stutters ("Wha-what", "can you- can you") are removed first."""
    core = core_form(_SPOKEN_LEAD.sub("", normalise_apostrophes(text)))
    return core_form(_REPEATED_WORDS.sub(r"\1", _STUTTER.sub("", core)))


def first_match(
    which: str | re.Pattern[str] | Lexicon, text: str, *, core: bool = True
) -> str | None:
    """The id of the lexicon entry that fires on ``text`` (evidence cites it as ``rule:<id>``).

    Reads the text as ``match_any`` does: in lower case, then (with ``core``) with fillers
    stripped; None when no entry fires.
    """
    found = lexicon(which)
    lowered = normalise_apostrophes(text).lower()
    match = found.pattern.search(lowered)
    if match is None and core:
        match = found.pattern.search(spoken_core(text))
    return found.entry_id(match) if match else None


def entry_matches(which: str | re.Pattern[str] | Lexicon, entry_id: str, text: str) -> bool:
    """Whether one entry of a lexicon (on its own) fires on ``text``, read as ``first_match``."""
    pattern = lexicon(which).entry_patterns[entry_id]
    lowered = normalise_apostrophes(text).lower()
    return bool(pattern.search(lowered) or pattern.search(spoken_core(text)))


_SUBJECT = (
    r"(?:you|i|we|they|he|she|it|that|this|there|these|those|anyone|anybody|someone|somebody|"
    r"everyone|everybody|anything|something|your|the|my|our|their|his|her|any|people|things|"
    r"what|which|one|all|both|each|a)"
)
_AUX = (
    r"(?:do|does|did|is|are|was|were|am|can|could|would|will|have|has|had|should|shall|may|"
    r"might|must)"
)
_NEG_AUX = (
    r"(?:don't|doesn't|didn't|isn't|aren't|wasn't|weren't|wouldn't|shouldn't|couldn't|won't|"
    r"haven't|hasn't|can't|ain't)"
)
_FACT_HOW = r"how (?:many|much|often|long|old|far|soon|big|late|early|frequently)"
_FACT_WHAT = r"what (?:time|day|date|year|month|week|percentage|number|age|size|grade|score)"

_SUBORDINATE = re.compile(
    r"^(?:when|if|as|since|given|thinking|looking|now that|after|before|once|knowing|with|on|"
    r"in|from|of all|out of|between|based on|having|apart from|besides|aside from|beyond|"
    r"going back|so far|in terms of|when it comes to|for|at|during|over|by|just|okay|ok|and|"
    r"so|but|then)\b[^,?]{0,90},\s*"
)

LEADING = _starts(
    rf"{_NEG_AUX} (?:you|it|that|this|they|we|he|she|there|the|\w+ing\b)",
    r"surely|obviously|of course",
    r"(?:do|would) you (?:not )?(?:agree|accept)",
    r"(?:do|don't) you (?:really |honestly |not )?think (?:that )?(?:it|we|they|he|she|you)"
    r" (?:should|ought|need|must|could just|would be better|'d be better)",
    r"how (?:is|will|would|does|could) .{0,60}\b(?:going to |gonna )?help (?:anyone|anything|you|"
    r"the team|matters)\b",
    r"would(?:n't)? it (?:not )?(?:be )?(?:better|best|easier|smarter|wiser|simpler|good)",
    r"(?:is|isn't) it (?:possible|fair to say|true|obvious) that",
    r"is there (?:any|a) (?:reason|way) (?:why )?you (?:can't|couldn't|wouldn't|shouldn't|didn't)",
    r"wouldn't you (?:say|agree)",
    r"you (?:know|realise|realize|understand|agree|see) (?:that )?.*,? (?:don't|do|right) you",
)
ADVICE_QUESTION = _starts(
    r"why (?:don't|can't|do not) (?:you|we) (?=\w)",  # a bare "Why don't you?" asks for reasons
    r"why not (?=\w)",
    r"(?:what|how) about (?:you |we )?(?:just |maybe )?\w+ing\b",
    r"(?:what|how) about (?:you|we|a|an|asking|trying|talking|telling|blocking|booking)\b",
    r"(?:could|can|couldn't|can't) you (?:not )?just\b",
    r"(?:have|haven't) you (?:ever )?(?:thought about|considered|tried|thought of)",
    r"what if you (?:just |simply |maybe |were to )?\w+",
    r"how about (?:you|we) (?:just )?\w+",
    r"(?:can't|couldn't) you (?:just )?",
    r"(?:do|don't) you (?:really |honestly |not )?think (?:that )?you (?:should|ought|need|must)",
)
# A tag question asks the listener to agree with what was just said: leading by design.
_TAG = re.compile(
    rf",\s*(?:right|{_NEG_AUX} (?:it|that|you|he|she|they|we|there)|(?:is|are|do|does|did|was|"
    r"were|can|could|will|would|should|has|have) (?:it|that|you|he|she|they|we)|don't you think|"
    r"wouldn't you say|yeah|yes|no|surely|correct|agreed|ok|okay|eh)\s*\?$|,\s*(?:is|are|do|does|"
    rf"did|was|were|can|could|will|would|has|have|{_NEG_AUX}) (?:it|that|you|he|she|they|we),? "
    r"(?!think|say|know|reckon|mean|remember|feel|see|guess|suppose|agree|imagine)[a-z]+\s*\?$"
)
# "Why" asking for a reason: at the start of the question, or after "I'm curious / I wonder".
WHY = re.compile(
    r"^(?:(?:but |and |so |then )?(?:why|how come)\b|i(?:'m| am) (?:curious|wondering) why\b|"
    r"i wonder why\b|(?:can|could) you (?:tell me|explain|say) why\b)"
)
OPEN = _starts(
    r"what(?! (?:time|day|date|year|month|week|percentage|number|age|size|grade|score)\b)",
    r"how(?! (?:many|much|often|long|old|far|soon|big|late|early|frequently)\b)",
    r"tell me",
    r"describe",
    r"explain",
    r"(?:walk|talk|take) me through",
    r"say (?:a bit |a little |some )?more",
    r"help me (?:understand|see|get)",
    r"share (?:a bit |a little |some )?more",
    r"give me (?:an|a|some) (?:example|sense|picture)",
    r"in what (?:way|ways|sense)",
    r"to what (?:extent|degree)",
    r"(?:what|how) about",  # a new topic ("What about the handoff?"); a suggestion is advice
    r"where do you think (?:we|you|i) (?:should|could|might|want to|would) (?:go|start|begin|take)",
    r"i(?:'m| am) (?:curious|interested|wondering) (?:about|what|how|to hear|to know|where|who)",
    r"(?:anything|something) else",
    r"(?:are there |is there )?any (?:other |more )?(?:thoughts|ideas|things|reasons|barriers|"
    r"concerns|options|ways|worries|not-so-good|good|other)",
    r"i(?:'d| would) (?:love|like) to (?:hear|know|understand) (?:more|what|how|about)",
    r"i wonder (?:what|how|where|about)",
    # "I was wondering if you could tell me a bit more about that": asks them to talk, like
    # "Can you tell me ...?"; "I wonder if you could talk to her" stays a suggestion
    r"i wonder (?:if|whether) you(?:'d| would| could| can| might| will)? (?:be (?:willing|able) to"
    r" )?(?:tell (?:me|us)|describe|explain|share (?:with me|more|a bit|a little|what|how|some)|"
    r"say (?:more|a bit|a little)|walk (?:me|us) through|talk (?:to me|with me|me through|"
    r"(?:a (?:little )?bit |some |more )?about)|fill (?:me|us) in|expand|elaborate)",
    r"(?:just )?remind me",
    r"talk to me (?:a (?:little )?bit |some )?(?:more )?about",
    r"(?:maybe |perhaps )?you (?:could|can|might) (?:tell|describe|share|walk|talk|say)",
    r"what i(?:'m| am| was| would be) (?:really |most |also |just )?(?:interested in|curious "
    r"about|wondering(?: about)?) is",
    r"(?:can|could|would|will) you (?:please |maybe |just )?(?:tell|say|describe|share|explain|"
    r"talk|walk|expand|elaborate|help me understand|give me|unpack|paint|fill me in|"
    r"think of|think about|imagine|picture|remind me)",
    r"(?:any|what) other (?:thoughts|ideas|options)",
    r"where (?:do|does|would|could|might|should) (?:you|we) (?:want to |like to )?(?:go|start|"
    r"begin|take)",
    r"where (?:are|is|do) (?:things|it|you) (?:at|stand)",
)
CLOSED = _starts(
    rf"{_AUX} {_SUBJECT}",
    rf"{_AUX}n't {_SUBJECT}",
    _FACT_HOW,
    _FACT_WHAT,
    rf"(?:when|where)(?:'s| {_AUX}\b)",
    # "Where in particular?", "When exactly?": the rest of the question is understood
    r"(?:when|where)(?: (?:in particular|exactly|precisely|roughly|to|from|abouts|about|else|"
    r"then|now|though))*(?=\W*$)",
    r"who|whom|whose|which",
    r"(?:since|until|till) when",
    r"i wonder (?:if|whether)",
    r"i(?:'m| am) (?:wondering|curious) (?:if|whether)",
    r"(?:anything|any|anybody|anyone|anywhere|something|everything|all|ready|"
    r"sure|ok|okay|good|better|yes or no|"
    r"either|still|enough|happy|clear|fair)\b",
    r"(?:you|u) (?:good|ok|okay|alright|all right|ready|sure|happy|free)$",
    r"or (?:is|are|was|do|does|did|would|could|can|will|have|has)\b",
)
CHECK = _starts(
    r"(?:is|was) (?:that|this|it) (?:about |more or less |roughly )?(?:right|correct|fair|accurate|"
    r"true|close|how it is|what you mean|what you're saying|it)",
    r"(?:did|have) i (?:get|got|understand|hear|miss|capture|leave|understood|heard|summari[sz]ed)",
    r"(?:does|did) (?:that|this|it) (?:sound|seem|feel) (?:about )?(?:right|fair|accurate|true)",
    r"am i (?:right|close|on the right track|missing|getting)",
    r"(?:right|correct|yes|no|yeah|true|fair)$",
    r"(?:is|was) there anything (?:i(?:'ve| have)? (?:missed|left out|got wrong))",
    r"how (?:does|did) that sound",
    r"how close is that",
    r"would (?:that|this|it) be (?:right|correct|fair|accurate|true)",
    r"(?:does|did) (?:that|this|it) (?:pretty much |more or less |about )?sum "
    r"(?:it |that |things )?up",
    r"(?:have|did) i got (?:that|it|the \w+) (?:right|straight)",
)
# "Does that make sense?" after an explanation: a check that the speaker's own input landed,
# like "Is that right?" after a reflection, not a question about the person's experience.
UNDERSTOOD = _starts(
    r"(?:does|did) (?:that|this|it|all that|any of that|everything) (?:all )?make sense",
    r"(?:that|it) makes? sense",
    r"makes? sense",
    r"(?:do you |have you )?(?:have |got )?any questions(?: so far| about (?:that|this|it)|"
    r" on (?:that|this)| for me)?(?=\W*$)",
    r"(?:is|was) (?:that|this|it|everything) (?:all )?clear",
    r"(?:do|are) you (?:follow|following|with me)",
    r"(?:you )?with me so far",
)
# "When you have to think about it" is not advice: a modal after these words describes, not directs.
_NOT_ADVICE_BEFORE = re.compile(
    r"(?:\b(?:when|if|whenever|because|since|that|feel like|felt like|as if|unless|until|"
    r"what|why|how|where|the fact that|so that|worried|afraid|scared|think|thought|means|"
    r"meaning|wonder|knowing|realise|realize|know|knows|thinks|believes|feels|reason|reasons|"
    r"saying|said|told)\s+)$"
)


# "I think you need to ..." is the learner's own view of what they should do: still advice,
# although "think" before a modal usually describes ("when you think you need to ...").
_OWN_OPINION = re.compile(
    r"\bi (?:really |honestly |do |still |just |personally )?(?:think|believe|feel(?: like)?)"
    r"\s+(?:that\s+)?$"
)


# "What I'd recommend is ..." puts the learner's own recommendation in a cleft: the "what"
# before it does not make it a description, as it does in "what you need to do is unclear".
_CLEFT_RECOMMENDATION = re.compile(r"\bwhat $")
_FIRST_PERSON = re.compile(r"^(?:i|i'd|we|my)\b")


def advice_cue(sentence: str) -> bool:
    """Advice wording that directs the listener, not a modal inside a description."""
    lowered = normalise_apostrophes(sentence).lower()
    for match in ADVICE.finditer(lowered):
        before = lowered[max(0, match.start() - 24) : match.start()]
        if _OWN_OPINION.search(before) or not _NOT_ADVICE_BEFORE.search(before):
            return True
        if _CLEFT_RECOMMENDATION.search(before) and _FIRST_PERSON.match(match.group()):
            return True
    core = _ADVICE_FRAME.sub("", spoken_core(sentence))
    return bool(IMPERATIVE.match(core))


# "Next time, write the notes earlier." / "It's simple: write it down." -- the frame before the
# imperative does not make it less of an instruction.
_ADVICE_FRAME = re.compile(
    r"^(?:(?:next time|going forward|in future|in the future|from now on|honestly|seriously|"
    r"trust me|it's simple|it's easy|easy|simple|here's what you do|here's the thing|my take)"
    r"\s*[,:;.\-\u2013\u2014]+\s*)+"
)


class Form(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    RISING = "rising"  # a statement said as a question: coded as a reflection candidate
    CHECK = "check"  # "Is that right?" after a reflection
    PERMISSION = "permission"  # "Can I share an idea?"
    BACKCHANNEL = "backchannel"  # "Really?"


@dataclass(frozen=True)
class QuestionRead:
    """What one question sentence is: its form, and whether it is why / leading / advice."""

    form: Form
    why: bool = False
    leading: bool = False
    advice: bool = False
    clauses: int = 1
    reason: str = ""


def _interrogative_core(core: str) -> str:
    """From the first clause that asks something: preambles ("Coming in today, ...") are skipped."""
    core = _APPROXIMATELY.sub("", _WH_AFTER_PREPOSITION.sub("", _PREAMBLE.sub("", core)))
    if any(p.match(core) for p in (OPEN, CLOSED, WHY, LEADING)):
        return core
    rests = [core[match.end() :] for match in _CLAUSE_BREAK.finditer(core)]
    # A clause that reads as a question wins over an earlier one that only opens like one
    # ("so when you were talking about it, can you give me an example?").
    for rest in rests:
        if _INVITATION.match(rest) or (
            _ASKS.match(rest) and any(p.match(rest) for p in (OPEN, CLOSED, WHY, LEADING))
        ):
            return rest
    return next((rest for rest in rests if _ASKS.match(rest)), core)


_PREAMBLE = re.compile(
    r"^(?:(?:can|could|may) i ask (?:you )?(?:something|a question|this)?|let me ask (?:you )?"
    r"(?:something|a question|this)?|i(?:'m| am) (?:gonna|going to) ask (?:you )?(?:something|"
    r"a question|this|the question this way)?|(?:a|one) (?:quick )?question(?: for you)?|"
    r"in other words|i guess|i mean|you know|i suppose|out of curiosity|just out of curiosity|"
    r"just curious|quick question)\b[\s,.:;\-\u2013\u2014]*"
)
# "To what levels ...?", "With which team ...?": the preposition before the wh-word.
# "About how many ...?", "Roughly how often ...?": a hedge on the number asked for.
_APPROXIMATELY = re.compile(
    r"^(?:so )?(?:about|roughly|approximately|around|more or less|just) (?=(?:how|what|when)\b)"
)
_WH_AFTER_PREPOSITION = re.compile(
    r"^(?:to|in|at|for|from|with|about|on|by|of) (?=(?:what|which|whom|whose|how) \w+ (?:do|does|"
    r"did|would|could|can|will|is|are|was|were|have|has|might|should)\b)"
)
# A comma, a dash or a restart cut with a dash ("Did- have you thought about it?").
_CLAUSE_BREAK = re.compile(
    r"(?:,|;|:|--+|\u2014|\u2013| - |(?<=\w)-(?= ))\s*(?:and |but |so |or |then )?"
)
# Advice phrased as a question: "Have you tried ...?", "What if you just ...?"
_SUGGESTION = _starts(
    r"(?:have|haven't) you (?:ever )?(?:thought about|considered|tried|thought of|looked into)",
    r"what if you (?:just |simply |maybe |were to )?\w+",
    r"(?:would|wouldn't) it (?:not )?(?:be )?(?:better|best|easier|smarter|wiser|simpler) (?:to|if"
    r" you)",
    r"(?:shouldn't|should) you (?:just |maybe |probably )?(?:talk|tell|ask|speak|go|take|email|"
    r"raise|push|say|book|escalate)",
)
# "The estimate or the communication?", "A week or a day?": a choice, so a closed question,
# unless it is worded as a reflection ("So it helps you relax, or?").
CHOICE_MAX_WORDS = 12
_CHOICE = re.compile(
    r"(?<!\bonce)(?<!\bone)(?<!\btwo)(?<!\d) or (?!so\b|something|anything|whatever|not\b|"
    r"otherwise|even\b|twice|two|three|four|five|\d)\w|, or\s*\??$"
)
_IN_SITU = re.compile(
    r"\b(how (?:often|long|much|many|come)|in what (?:way|sense)|how|what|why|when|where|who)"
    r"\s*\?\s*$"
)
_SCALE = re.compile(
    r"\b(?:on a scale|scale of|(?:0|1|one|zero) (?:to|through) (?:10|ten)|out of (?:10|ten)|"
    r"what number)\b"
)
# "Why don't you tell me what happened?" and "Why don't we start by you telling me about it?"
# invite the other person to talk: open questions, as MITI codes them, not advice or a "why".
_INVITING_SUGGESTION = re.compile(
    r"^(?:so |and |well,? )?why (?:don't|do not) (?:you|we) (?:just |maybe |perhaps )?"
    r"(?:(?:start|begin) (?:off )?(?:by|with) (?:just )?(?:having you |you |your )?)?"
    r"(?:tell(?:ing)? (?:me|us)|fill(?:ing)? (?:me|us) in|walk(?:ing)? (?:me|us) through|"
    r"talk(?:ing)? (?:to me|with me|me through)|(?:describ(?:e|ing)|shar(?:e|ing)) (?:with me|"
    r"to me|a (?:little )?bit|a little|more|what|how|where|when)|say(?:ing)? (?:more|a bit|"
    r"a little))\b"
)
# "Why a six and not a two?" after a readiness or confidence ruler asks what puts them where
# they are (MI's ruler follow-up, which draws out their own reasons), not for a justification.
_RULER_FOLLOW_UP = re.compile(
    r"\b(?:a|at|say|said|pick|picked|choose|chose|not|than|like|of)\s+(?:a\s+|an\s+|like\s+)?"
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})"
    # the number stands alone (a point on the scale), not "two reviewers" or "three times"
    r"(?=\s*(?:[?,.!;]|$|(?:and|or|rather|instead|not|than|on|out of)\b))"
    r"|\b(?:lower|higher) (?:number|score|level)\b"
)
_INNER_QUESTION = re.compile(
    rf"(?:,|;| -|\u2014)?\s+(?:and|or|also)\s+(?:(?:what|how|why|where|who|when)\s+{_AUX}|"
    rf"{_AUX} (?:you|it|that|they|she|he|we|anyone|your|the))\b|[,;\u2014]\s+(?:what|how|why)\s+"
    rf"{_AUX}\b"
)
_INVITATION = re.compile(
    # "Tell me early." and "Tell me if it slides." ask to be told later; they invite no talk now.
    r"^(?:tell me(?! (?:early|straight|right away|if|when|as soon|first|later|next|asap|soon)\b)|"
    r"describe|(?:walk|talk|take) me through|say (?:a bit |a little |some )?more|"
    r"help me understand|share (?:a bit |a little |some )?more|give me (?:an|a|some) example|"
    r"i(?:'m| am) (?:curious|interested|wondering)|i wonder|i(?:'d| would) (?:love|like) to "
    r"(?:hear|know|understand)|(?:just )?remind me|talk to me (?:a (?:little )?bit |some )?"
    r"(?:more )?about|(?:maybe |perhaps )?you (?:could|can|might) (?:tell|describe|share|walk|"
    r"talk|say) (?:me|us|a bit|a little|more)|what i(?:'m| am| was| would be) (?:really |most |"
    r"also |just )?(?:interested in|curious about|wondering(?: about)?) is)\b"
)
# "I was wondering if ...", "I'm just wondering where ...", "Wondering what that's about":
# the same prompt as "I wonder if / where ...", read with its rules.
_WONDERING = re.compile(
    r"^(?:i(?:'m| am| was|'ve been| have been) (?:just |really |also |kind of |sort of )?|just |"
    r"(?:so |and )?)wondering\b"
)
_JUST_CURIOUS = re.compile(r"^i(?:'m| am) (?:just |really |also |more |most )curious\b")
# "I wonder if you're feeling left out.", "I wonder if part of you is relieved?": MI's tentative
# reflection, a guess at their experience (training/coder/CONVENTIONS.md), not a question; "I
# wonder if you could ask her" or "... you'd be willing to" still asks them to act.
_WONDERS_ABOUT_THEM = re.compile(
    r"^i wonder (?:if|whether) (?:(?:part|some|a part) of you\b|"
    r"you(?:'re| are| feel| felt| might be| may be| ever feel| sometimes feel| still feel|"
    r"'ve been feeling| have been feeling| worry| fear)\b"
    r"(?! (?:able|willing|interested|open|up for|free|available|around)\b)|"
    r"(?:it|that|this) (?:feels|felt|might feel|may feel)\b)"
)


def _as_wondering(core: str) -> str:
    core = _WONDERING.sub("i wonder", core)
    return _JUST_CURIOUS.sub("i'm curious", core)


# "What I'm hearing is ...", "What you need to do is ...", "... is what I think": statements.
_NOT_ASKING = ("what i", "what you", "how you", "why i", "what we", "is what", "was what")


def _late_question(core: str) -> str | None:
    """An invitation to talk or a question after a spoken preamble, without a "?": "Well, I mean
    that's, you know, tell me about when you were diagnosed." Returns the sentence from there.

    A transcript that leaves a turn without any closing mark often drops the "?" of a question
    after a preamble too ("And the bedtime, what does it actually look like, from tea
    onwards"); there an inverted question after the break counts as well.
    """
    if _SAID_BACK.match(core):
        return None  # "So it sounds like right now, is you're ready to-": one statement
    unfinished = not core.rstrip().endswith((".", "!"))
    for match in _CLAUSE_BREAK.finditer(core):
        rest = _as_wondering(core_form(core[match.end() :]))
        if _INVITATION.match(rest):
            return rest
        if (
            unfinished
            and _INVERTED.match(rest)
            and not _CLEFT.match(rest)
            and not rest.startswith(_NOT_ASKING)
            and not rest.startswith("which ")  # ", which is ...": what came before, described
        ):
            return rest
    return None


# The wh-word as subject, with no auxiliary: "What happened on Thursday", "Who said that".
_WH_SUBJECT_VERB = (
    r"(?:happened|changed|helped|worked|made|got|went|stopped|kept|brought|caused|said|told|"
    r"happens|changes|helps|works|matters|makes|gets|keeps|stops|brings)"
)
_INVERTED = re.compile(
    rf"^(?:(?:what|how|why|where|when|who|which)(?: \w+){{0,2}}(?:'s| {_AUX}\b)|{_FACT_HOW}\b|"
    rf"(?:what|who) {_WH_SUBJECT_VERB}\b|{_AUX} {_SUBJECT}\b)"
)
# "What matters is that you tried.", "What happened was awful.": a cleft states, it does not ask.
# "It sounds like X?" and "What you're saying is X?" say back what was heard, with a rising
# voice: statements, however a later clause reads ("So it sounds like, right now, is you're
# willing to ...?"); "What I'm wondering is, how ...?" goes on to ask.
_SAID_BACK = re.compile(
    r"^(?:(?:but|and) )?(?:it )?(?:sounds|seems|feels)(?: to me)?(?: too| also)? "
    r"(?:like|as (?:though|if))\b|"
    r"^what (?:i|you|we)(?:'re|'m| are| am)? (?:\w+ ){0,3}?(?:is|was)\b"
    r"(?!,? (?:what|how|why|where|when|who|whether|if)\b)(?=,? \w)"
)
_CLEFT = re.compile(rf"^what (?:really |just )?{_WH_SUBJECT_VERB}(?: \w+){{0,4}} (?:is|was)\b")
# "Why'd you skip it", said without a "?", asks as plainly as "Why did you skip it".
_WH_CONTRACTED = re.compile(
    r"\b(what|how|why|where|when|who)'d(?= (?:you|he|she|they|we|i|it|that|this|your|the)\b)",
    re.IGNORECASE,
)
# "Have a good weekend." and "Do the review first." open like "Have you ...?" but instruct or
# wish, and "Had a few." says something back; without a "?" they are not questions.
_IMPERATIVE_AUX = re.compile(
    r"^(?:(?:have|do) (?:a|an|the|some|fun|your|it|that|this|what)|had (?:a|an|the|some))\b"
)
_ASKS = re.compile(
    r"^(?:(?:what|how|why|where|when|who|which|whose|(?:since|until|till) when)\b|"
    rf"{_AUX}n?'?t? (?:you|i|we|they|he|she|it|that|there|this|anyone|someone|everyone|your|"
    r"his|her|their|the)\b)"
)
# "Has Kelly said anything?", "And, um, did Sam reply?": an auxiliary before a name opens a
# clause that asks (read on the original casing, where a name still has its capital).
_AUX_BEFORE_NAME = re.compile(
    r"(?:^|[,;:]\s+|^(?:\W*(?i:and|so|but|um|uh|okay|right|well)\b\W*)+)"
    r"(?i:has|have|had|did|does|do|is|was|were|will|would|can|could|should)\s+[A-Z][a-z]+\b"
)


def read_question(sentence: str) -> QuestionRead | None:
    """The question in one sentence, or None when the sentence is not a question.

    A sentence counts as a question when it ends with "?", when it is an invitation to talk
    ("Tell me more about that."), or when its word order is inverted ("What happened then").
    """
    text = _WH_CONTRACTED.sub(r"\1 did", normalise_apostrophes(sentence).strip())
    core = _as_wondering(spoken_core(text))
    has_mark = text.rstrip("\"') ]").endswith("?")
    if _WONDERS_ABOUT_THEM.match(core):
        return None
    if not has_mark and (_IMPERATIVE_AUX.match(core) or _CLEFT.match(core)):
        return None  # "Have a good weekend.", "Do the easy one first."
    if not has_mark and not (_INVITATION.match(core) or _INVERTED.match(core)):
        late = _late_question(core)
        if late is None:
            return None
        core = late
    if not has_mark and core.startswith(_NOT_ASKING) and not _INVITATION.match(core):
        return None  # "What I'm hearing is ...", "What you need to do is ..."
    lowered = text.lower()
    if len([w for w in words(core) if w not in BACKCHANNEL]) == 0 and len(words(core)) <= 2:
        return QuestionRead(Form.BACKCHANNEL, reason="a one-word check-in")
    if has_mark and _SAID_BACK.match(core):
        return QuestionRead(Form.RISING, reason="a statement said with a question mark")
    if CHECK.match(core):
        return QuestionRead(Form.CHECK, reason="checks that the reflection landed")
    if UNDERSTOOD.match(core):
        return QuestionRead(Form.CHECK, reason="checks that an explanation landed")
    if PERMISSION_ASK.search(core) and not core.startswith(("what ", "where ", "when ")):
        return QuestionRead(Form.PERMISSION, reason="asks permission before offering an idea")
    inner = _interrogative_core(core)
    in_situ = _IN_SITU.search(core)
    if in_situ and not _ASKS.match(inner):
        inner = in_situ.group(1) + " " + inner  # "Tired how?" reads as "how ... tired"
    clauses = 1 + len(_INNER_QUESTION.findall(inner))
    if WHY.match(inner) and _RULER_FOLLOW_UP.search(inner):
        return QuestionRead(
            Form.OPEN,
            leading=bool(_TAG.search(lowered)),
            clauses=clauses,
            reason="asks what puts them at their number on the scale, not a justification",
        )
    if _INVITING_SUGGESTION.match(inner):
        return QuestionRead(
            Form.OPEN, clauses=clauses, reason="invites them to talk, worded as a suggestion"
        )
    if ADVICE_QUESTION.match(inner) or _SUGGESTION.match(inner):
        return QuestionRead(
            Form.CLOSED, advice=True, clauses=clauses, reason="a suggestion phrased as a question"
        )
    leading = bool(LEADING.match(inner) or _TAG.search(lowered))
    if WHY.match(inner):
        return QuestionRead(
            Form.OPEN,
            why=True,
            leading=leading,
            clauses=clauses,
            reason="asks 'why', which invites a justification",
        )
    if leading:
        open_form = OPEN.match(inner) and not _TAG.search(lowered)
        return QuestionRead(
            Form.OPEN if open_form else Form.CLOSED,
            leading=True,
            clauses=clauses,
            reason="suggests its own answer",
        )
    if _SCALE.search(inner) or _SCALE.search(core):
        return QuestionRead(Form.CLOSED, clauses=clauses, reason="asks for a number on a scale")
    if OPEN.match(inner):
        return QuestionRead(Form.OPEN, clauses=clauses, reason="invites a wide range of answers")
    if CLOSED.match(inner):
        return QuestionRead(
            Form.CLOSED, clauses=clauses, reason="can be answered with yes/no or a single fact"
        )
    if has_mark and _CHOICE.search(inner) and word_count(inner) <= CHOICE_MAX_WORDS:
        opener = _LEADING_FILLER.sub("", lowered)
        if not (opener.startswith(("so ", "so,")) or STRONG_REFLECTION.search(inner)):
            return QuestionRead(Form.CLOSED, reason="offers a choice between named options")
    if not has_mark:
        return None  # "And when you do drink, you typically have five." says, not asks
    if _AUX_BEFORE_NAME.search(text):
        return QuestionRead(Form.CLOSED, clauses=clauses, reason="can be answered with yes/no")
    return QuestionRead(Form.RISING, reason="a statement said with a question mark")


@dataclass(frozen=True)
class SbiRead:
    situation: bool
    behaviour: bool
    impact: bool
    request: bool

    @property
    def count(self) -> int:
        return sum((self.situation, self.behaviour, self.impact, self.request))


def read_sbi(sentence: str) -> SbiRead:
    lowered = normalise_apostrophes(sentence).lower()
    return SbiRead(
        situation=bool(_SITUATION.search(lowered)),
        behaviour=bool(_BEHAVIOUR.search(lowered)),
        impact=bool(_IMPACT.search(lowered)),
        request=bool(_REQUEST.search(lowered)) and not _demands_reason(sentence),
    )


def _demands_reason(sentence: str) -> bool:
    """ "Why on earth would you keep doing this?" asks for a justification, never for a change,
    however much of it reads like "would you keep ..."."""
    question = read_question(sentence)
    return question is not None and question.why


_VOCATIVE_NAME = re.compile(r",\s*[A-Z][a-z]+\W*$")  # "Thanks, Barbara." - the name adds no move


def is_backchannel(text: str) -> bool:
    """A turn made only of acknowledgements ("Mm-hmm. Okay.", "Thank you, Barbara.") carries
    no codable move."""
    found = words(_VOCATIVE_NAME.sub("", text.strip()))
    return bool(found) and len(found) <= 6 and all(w in BACKCHANNEL for w in found)


def match_any(pattern: re.Pattern[str], sentence: str) -> bool:
    """The pattern anywhere in the sentence; "^" anchors also match after fillers ("Yeah, ...")."""
    lowered = normalise_apostrophes(sentence).lower()
    return bool(pattern.search(lowered) or pattern.search(spoken_core(sentence)))


def starts_like(pattern: re.Pattern[str], sentence: str) -> bool:
    """The pattern at the start, after fillers; also before a leading "so", which is itself
    a cue in some patterns ("So the client picked up on the gaps")."""
    if pattern.match(spoken_core(sentence)):
        return True
    lowered = _LEADING_FILLER.sub("", normalise_apostrophes(sentence).lower())
    return lowered.startswith("so ") and bool(pattern.match(lowered))


def clause_starts_like(pattern: re.Pattern[str], sentence: str) -> bool:
    """The pattern at the start of the sentence or of a clause joined on with ", and" or
    ", which": "You know the claim wasn't right, and that's hard to live with." names their
    burden just as "That's hard to live with." does."""
    return any(starts_like(pattern, clause) for clause in _JOINED_CLAUSE.split(sentence))


_JOINED_CLAUSE = re.compile(r",\s*(?:and|which)\s+", re.IGNORECASE)
_LEADING_FILLER = re.compile(r"^(?:\W*(?:um+|uh+|mm+|mhm|okay|ok|right|yeah|and|well)\b[\s,.!-]*)*")


def feeling_words(text: str) -> int:
    return sum(1 for _ in _FEELING.finditer(normalise_apostrophes(text).lower()))
