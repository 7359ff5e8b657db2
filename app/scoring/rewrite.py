"""Rewrites of the learner's weaker lines: real sentences, checked by the coder, or a frame.

Candidates come from, in order: (a) the scenario's exemplary learner lines for the moment
(model reflections, open questions and an SBI line per persona layer); (b) a small set of
grammatical transformations of the learner's own sentence (a why-question becomes "What led
you to ...", a closed question an open one, a stack its best single question, unasked advice
a permission question with the offer, a label an observation); (c) an LLM, when one is
configured. Nothing pastes fragments of the other person's words into a template.

Every candidate is re-coded before it is shown (``verify``): it must be coded as one of the
weakness's target moves, carry none of the problem moves (judgement, why, unasked advice,
leading, stacked questions, a threat or accusation), show none of the artefacts a template
leaves (a capitalised fragment mid-sentence, a doubled word, a modal with no verb), and differ
from the original. When none passes, the learner gets the technique and a frame with visible
slots ("In [situation], I noticed [behaviour] ...") instead of a broken sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from app.scoring import rules
from app.scoring.inflect import (
    base_form,
    base_phrase,
    capitalise,
    decapitalise,
    gerund_phrase,
    object_form,
)
from app.scoring.language import (
    STOPWORDS,
    content_stems,
    split_sentences,
    strip_openers,
    word_count,
    words,
)
from app.scoring.moves import CodedUtterance, Move, SbiPart


class Weakness(StrEnum):
    WHY = "why_question"
    CLOSED = "closed_question"
    STACKED = "stacked_questions"
    LEADING = "leading_question"
    UNASKED_ADVICE = "advice_without_permission"
    EARLY_ADVICE = "advice_before_understanding"
    JUDGEMENT = "judgement"
    INCOMPLETE_SBI = "incomplete_sbi"
    NO_INVITATION = "no_invitation"
    SHALLOW_REFLECTION = "shallow_reflection"
    QUESTION_NOT_REFLECTION = "question_instead_of_reflection"
    LONG_TURN = "long_turn"
    THREAT = "threat"


@dataclass(frozen=True)
class CardPointer:
    """The technique card a weakness links to, and a query to find a substitute if it's gone."""

    card_id: str
    query: str


CARDS: dict[Weakness, CardPointer] = {
    Weakness.WHY: CardPointer("avoiding-why-questions", "replace why questions with what led to"),
    Weakness.CLOSED: CardPointer("closed-to-open-questions", "turn yes/no questions into open"),
    Weakness.STACKED: CardPointer("one-question-at-a-time", "ask one question at a time"),
    Weakness.LEADING: CardPointer("avoiding-leading-questions", "neutral not leading questions"),
    Weakness.UNASKED_ADVICE: CardPointer("asking-permission-first", "ask permission before advice"),
    Weakness.EARLY_ADVICE: CardPointer("reflect-before-advising", "reflect before you advise"),
    Weakness.JUDGEMENT: CardPointer(
        "observation-not-judgement", "describe observations not labels"
    ),
    Weakness.INCOMPLETE_SBI: CardPointer("sbi-feedback", "situation behaviour impact feedback"),
    Weakness.NO_INVITATION: CardPointer("feedback-with-a-request", "end feedback with a request"),
    Weakness.SHALLOW_REFLECTION: CardPointer("complex-reflection", "reflect meaning and feeling"),
    Weakness.QUESTION_NOT_REFLECTION: CardPointer("simple-reflection", "say back what you heard"),
    Weakness.LONG_TURN: CardPointer("using-silence", "say less and leave room to talk"),
    Weakness.THREAT: CardPointer("observation-not-judgement", "describe observations not threats"),
}


@dataclass(frozen=True)
class Rewrite:
    weakness: Weakness
    quote: str  # verbatim from the learner's turn
    rewrite: str
    why: str
    kind: Literal["sentence", "frame"] = "sentence"
    source: str = "transform"  # scenario / transform / llm / frame


def _cue(coded: CodedUtterance, *moves: Move) -> str | None:
    return next((e.cue for e in coded.evidence if e.move in moves and e.cue), None)


def _clean(sentence: str) -> str:
    """The sentence without openers or end punctuation, for building a new sentence from it."""
    return strip_openers(sentence).rstrip(" ?.!…").strip()


# --- why -> what led to ---------------------------------------------------------------------

_WHY = re.compile(
    r"^(?:but |and |so )?why (?P<aux>didn't|did|don't|doesn't|do|does|aren't|are|weren't|were|"
    r"isn't|is|wasn't|was|would|will|should|could|haven't|hasn't|have|has|can't|couldn't|"
    r"wouldn't|won't)\s+(?P<subj>you|he|she|they|we|it|that|this|i|(?:the|your|his|her|their|"
    r"our|my) \w+|[A-Z]\w+)\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_HOW_COME = re.compile(r"^(?:but |and |so )?how come\s+(?P<clause>.+)$", re.IGNORECASE)


def rewrite_why(sentence: str) -> str:
    """A why-question as a 'what led to' question about the same thing."""
    text = _clean(sentence)
    match = _WHY.match(text)
    if match:
        aux, subj, rest = match["aux"].lower(), match["subj"], match["rest"].strip()
        built = _why_by_aux(aux, subj, rest)
        if built:
            return built
    come = _HOW_COME.match(text)
    if come:
        clause = come["clause"]
        past = any(w.endswith("ed") or base_form(w) != w for w in clause.split()[1:3])
        return f"What was {'happening' if past else 'going on'} when {clause}?"
    return "What led to that?"


def _why_by_aux(aux: str, subj: str, rest: str) -> str | None:
    you = subj.lower() == "you"
    who = "you" if you else object_form(subj)
    if not rest and aux not in ("is", "was", "are", "were"):
        return None
    if aux in ("did", "would", "will", "should", "could"):
        return f"What led {who} to {rest}?"
    if aux in ("have", "has"):
        return f"What led {who} to {base_phrase(rest)}?"
    if aux in ("didn't", "can't", "couldn't", "wouldn't", "won't"):
        return f"What made it hard to {rest}?" if you else f"What got in the way of {who} {rest}?"
    if aux in ("haven't", "hasn't"):
        return f"What's made it hard to {base_phrase(rest)}?"
    if aux in ("do", "does"):
        return f"What makes {who} {rest}?"
    if aux in ("don't", "doesn't"):
        return f"What gets in the way of {gerund_phrase(rest)}?"
    if aux == "are" and you:
        return f"What's got you {rest}?"
    if aux in ("were", "was", "is", "are"):
        return f"What led to {subj if not you else 'you'} being {rest}?".replace(" being ?", "?")
    if aux in ("aren't", "weren't", "isn't", "wasn't"):
        return f"What's kept {who} from being {rest}?"
    return None


# --- closed -> open -------------------------------------------------------------------------

_GRADABLE = (
    r"worried|concerned|confident|ready|happy|comfortable|sure|clear|realistic|fair|useful|"
    r"important|hard|difficult|easy|busy|stressed|supported|tired|nervous|anxious|upset|angry|"
    r"frustrated|disappointed|surprised|excited|keen|committed|motivated|prepared|likely|"
    r"manageable|helpful|serious|urgent|bad|good|okay|ok|satisfied|interested|involved|sorry"
)
_BE_ADJ = re.compile(
    rf"^(?P<aux>is|are|was|were) (?P<subj>you|it|that|this|he|she|they|we|(?:the|your|this|that) "
    rf"\w+) (?:really |very |so |feeling |still )?(?P<adj>{_GRADABLE})\b(?P<rest>.*)$",
    re.IGNORECASE,
)
_BE_NOUN = re.compile(
    r"^(?:is|was) (?P<subj>that|it|this) (?:a|an) (?P<noun>\w+)(?P<rest>.*)$", re.IGNORECASE
)
_BE_WITH = re.compile(r"^(?:are|were) you \w+ (?:with|about) (?P<what>.+)$", re.IGNORECASE)
_THINK = re.compile(
    r"^(?:do|did) you (?:really )?(?:think|believe|reckon|expect) (?:that )?(?P<clause>.+)$",
    re.IGNORECASE,
)
_FEEL_ADJ = re.compile(rf"^(?:do|did) you feel (?P<adj>{_GRADABLE}|\w+ed)\b(?P<rest>.*)$", re.I)
_WANT = re.compile(r"^(?P<aux>do|did) you want to (?P<verb>.+)$", re.IGNORECASE)
_LIKE = re.compile(r"^(?:do|does|did) you (?:like|enjoy|love) (?P<what>.+)$", re.IGNORECASE)
_HAVE_ANY = re.compile(r"^(?:do|did) you have (?P<det>any|some|a|an) (?P<what>.+)$", re.IGNORECASE)
_CAN = re.compile(r"^(?:can|could|will|would) you (?P<verb>.+)$", re.IGNORECASE)
_DID = re.compile(r"^did you (?P<verb>.+)$", re.IGNORECASE)
_HAVE_YOU = re.compile(r"^(?:have|has) you (?:already |ever |yet )?(?P<verb>.+)$", re.IGNORECASE)
_ANYTHING = re.compile(
    r"^is there (?:anything|something) (?P<else>else )?(?:that )?(?P<clause>.*)$", re.IGNORECASE
)
_ANY = re.compile(r"^any (?P<what>\w+(?: \w+)?)(?P<rest>.*)$", re.IGNORECASE)
_DO_YOU = re.compile(r"^(?:do|does) (?P<subj>you|she|he|they) (?P<verb>.+)$", re.IGNORECASE)


def rewrite_closed(sentence: str) -> str:
    """A yes/no question as an open question about the same thing."""
    text = _clean(sentence)
    for rule in (_open_from_be, _open_from_think, _open_from_verbs, _open_from_lists):
        built = rule(text)
        if built:
            return built
    return "What's your sense of it?"


def _open_from_be(text: str) -> str | None:
    match = _BE_ADJ.match(text)
    if match:
        past = match["aux"].lower() in ("was", "were")
        subj = match["subj"]
        do = "did" if past else ("do" if subj.lower() in ("you", "they", "we") else "does")
        return f"How {match['adj'].lower()} {do} {decapitalise(subj)} feel{match['rest']}?"
    match = _BE_WITH.match(text)
    if match:
        return f"How do you feel about {match['what']}?"
    match = _BE_NOUN.match(text)
    if match:
        return f"How much of a {match['noun']} is {match['subj'].lower()}{match['rest']}?"
    return None


def _open_from_think(text: str) -> str | None:
    match = _FEEL_ADJ.match(text)
    if match:
        return f"How {match['adj'].lower()} do you feel{match['rest']}?"
    match = _THINK.match(text)
    if match:
        return f"How likely does it seem that {match['clause']}?"
    match = _WANT.match(text)
    if match:
        tense = "did" if match["aux"].lower() == "did" else "do"
        return f"How {tense} you feel about {gerund_phrase(match['verb'])}?"
    match = _LIKE.match(text)
    if match:
        return f"What do you enjoy about {match['what']}?"
    return None


def _open_from_verbs(text: str) -> str | None:
    match = _HAVE_ANY.match(text)
    if match:
        if match["det"].lower() in ("any", "some"):
            return f"What {match['what']} do you have?"
        return f"What {match['what']}, if any, do you have?"
    match = _CAN.match(text)
    if match and not match["verb"].lower().startswith(("tell", "say", "describe", "share")):
        return f"What would it take to {match['verb']}?"
    match = _DID.match(text) or _HAVE_YOU.match(text)
    if match:
        verb = match["verb"]
        first = verb.split(" ", 1)[0]
        phrase = base_phrase(verb) if base_form(first) != first.lower() else verb
        return f"Where are you with {gerund_phrase(phrase)}?"
    match = _DO_YOU.match(text)
    if match and match["subj"].lower() == "you":
        return f"How do you feel about {gerund_phrase(match['verb'])}?"
    return None


def _open_from_lists(text: str) -> str | None:
    match = _ANYTHING.match(text)
    if match:
        clause = _invert(match["clause"]) if match["clause"] else "is on your mind"
        return f"What {'else ' if match['else'] else ''}{clause}?".replace("  ", " ")
    match = _ANY.match(text)
    if match:
        return f"What {match['what']} come to mind{match['rest']}?"
    return None


def _invert(clause: str) -> str:
    """'you want to add' -> 'do you want to add'; 'I can do' -> 'can I do'."""
    contracted = {
        "you'd": "would you",
        "you'll": "will you",
        "you're": "are you",
        "you've": "have you",
        "i'd": "would I",
        "i'll": "will I",
        "i'm": "am I",
    }
    first, _, rest = clause.partition(" ")
    if first.lower() in contracted:
        return f"{contracted[first.lower()]} {rest}".strip()
    second, _, tail = rest.partition(" ")
    if second.lower() in ("can", "could", "would", "will", "should", "might", "must"):
        subject = "I" if first.lower() == "i" else first
        return f"{second} {subject} {tail}".strip()
    return f"do {clause}"


# --- leading -> neutral ---------------------------------------------------------------------

_TAG_END = re.compile(
    r",?\s*(?:right|isn't it|aren't you|don't you|wouldn't you|won't you|didn't you|doesn't it|"
    r"wouldn't it|shouldn't you|isn't that|don't you think|wouldn't you say|yeah|no|surely|"
    r"correct|can't you|is it|are you|do you|did you|will you|would you)\s*$",
    re.IGNORECASE,
)
_NEGATIVE_START = re.compile(
    r"^(?P<aux>isn't|aren't|wasn't|weren't|don't|doesn't|didn't|wouldn't|shouldn't|couldn't|"
    r"won't|haven't|hasn't|can't) (?P<subj>you|it|that|this|they|we|he|she|there|(?:the|your|his|"
    r"her|their|our|my) \w+(?: (?!have\b|be\b|do\b|get\b|know\b|feel\b|want\b|need\b)\w+)?)"
    r" (?P<rest>.*)$",
    re.IGNORECASE,
)
_POSITIVE_AUX = {
    "isn't": "is",
    "aren't": "are",
    "wasn't": "was",
    "weren't": "were",
    "don't": "do",
    "doesn't": "does",
    "didn't": "did",
    "wouldn't": "would",
    "shouldn't": "should",
    "couldn't": "could",
    "won't": "will",
    "haven't": "have",
    "hasn't": "has",
    "can't": "can",
}
_DONT_YOU_THINK = re.compile(r"^(?:don't|do) you (?:really )?think (?:that )?(?P<rest>.+)$", re.I)


def rewrite_leading(sentence: str) -> str:
    """A leading question as a neutral one that asks for their view of the same point."""
    text = re.sub(r"^(?:surely|obviously|of course),?\s*", "", _clean(sentence), flags=re.I)
    text = _TAG_END.sub("", text).rstrip(" ,")
    match = _DONT_YOU_THINK.match(text)
    if match:
        return f"What's your own sense of whether {match['rest']}?"
    match = _NEGATIVE_START.match(text)
    if match:
        aux = _POSITIVE_AUX[match["aux"].lower()]
        subject = decapitalise(match["subj"])
        if aux in ("do", "does", "did"):
            return f"What's your own sense of whether {subject} {match['rest']}?"
        return f"What's your own sense of whether {subject} {aux} {match['rest']}?"
    if text and not rules.OPEN.match(text.lower()):
        return f"What's your own sense of whether {decapitalise(text)}?"
    return "What's your own view of it?"


# --- advice -> ask first ----------------------------------------------------------------------

_ADVICE_ACTION = [
    re.compile(r"\bwhy (?:don't|not|can't) you (?:just )?(?P<x>.+)$", re.I),
    re.compile(r"^why not (?:just )?(?P<x>.+)$", re.I),
    re.compile(
        r"\b(?:have|haven't) you (?:ever )?(?:tried|considered|thought about|thought of) "
        r"(?P<ing>.+)$",
        re.I,
    ),
    re.compile(r"\bwhat if you (?:just |simply )?(?P<past>.+)$", re.I),
    re.compile(r"\b(?:how|what) about (?P<ing>.+)$", re.I),
    re.compile(r"\b(?:could|can|couldn't|can't) you (?:not )?just (?P<x>.+)$", re.I),
    re.compile(r"\bif i (?:were|was) you,? i(?:'d| would) (?P<x>.+)$", re.I),
    re.compile(
        r"\bi(?:'d| would) (?:strongly )?(?:suggest|recommend|advise) (?:that you |you )?"
        r"(?P<maybe_ing>.+)$",
        re.I,
    ),
    re.compile(r"\bmy (?:advice|suggestion|tip) (?:would be|is) (?:to )?(?P<x>.+)$", re.I),
    re.compile(
        r"\byou (?:really |just |definitely |probably |honestly |seriously )?(?:should|"
        r"need to|have to|must|ought to|'ve got to|have got to|gotta|had better|'d better|"
        r"might want to|could|can|might)(?: always| just| also)? (?P<x>.+)$",
        re.I,
    ),
    re.compile(
        r"\b(?:it would|it'd|it's|it is) (?:be )?(?:best|better|a good idea|worth) "
        r"(?:to |if you )?(?P<x>.+)$",
        re.I,
    ),
    re.compile(r"\bmake sure (?:you |to )?(?P<x>.+)$", re.I),
    re.compile(
        r"^(?:one|another) (?:option|idea|thing you could try)(?: could be| is|:)? "
        r"(?:to )?(?P<x>.+)$",
        re.I,
    ),
    re.compile(r"^(?:don't|do not|never) (?P<neg>.+)$", re.I),
    re.compile(
        r"^what you (?:really )?(?:need|want|should do|have to do|need to do) is (?:to )?"
        r"(?P<np>.+)$",
        re.I,
    ),
    re.compile(r"^(?:just |simply |honestly,? |seriously,? )?(?P<x>.+)$", re.I),
]


def advice_action(sentence: str) -> str:
    """What the advice tells them to do, as a verb phrase: 'talk to your manager'."""
    text = _clean(sentence)
    text = re.sub(
        r"^(?:next time|going forward|in future|it's simple|trust me)[,:]\s*", "", text, flags=re.I
    )
    for pattern in _ADVICE_ACTION:
        match = pattern.search(text)
        if not match:
            continue
        found = match.groupdict()
        if found.get("ing"):
            return f"try {found['ing']}"
        if found.get("past"):
            return base_phrase(found["past"])
        if found.get("neg"):
            return f"try not to {found['neg']}"
        if found.get("np"):
            article = found["np"].split(" ", 1)[0].lower() in ("a", "an", "the", "some", "more")
            return f"try {found['np']}" if article else decapitalise(found["np"])
        phrase = found.get("maybe_ing") or found["x"]
        first = phrase.split(" ", 1)[0]
        return f"try {phrase}" if first.lower().endswith("ing") else decapitalise(phrase)
    return decapitalise(text)


def rewrite_unasked_advice(sentence: str) -> str:
    """Advice as a permission question that carries the offer: 'Would it help if I shared an
    idea about talking to your manager?'"""
    action = re.sub(r"^(?:maybe|perhaps|just)\s+", "", advice_action(sentence), flags=re.I)
    first, _, rest = action.partition(" ")
    if first.lower() == "try" and rest.split(" ", 1)[0].lower().endswith("ing"):
        offer = rest  # "try starting earlier" is already a gerund: "starting earlier"
    else:
        offer = gerund_phrase(action)
    return f"Would it help if I shared an idea about {offer}?"


def rewrite_early_advice(sentence: str) -> str:
    """The advice held back behind a permission question (the reflection comes from the
    scenario's exemplars or a frame: never from pasted peer words)."""
    return rewrite_unasked_advice(sentence)


# --- feedback ---------------------------------------------------------------------------------

_ALWAYS = re.compile(r"\byou(?P<be>'re| are)? (?:always|constantly|forever) (?P<x>[^,.;!?]+)", re.I)
_NEVER = re.compile(r"\byou (?:never) (?P<x>[^,.;!?]+)", re.I)
_SITUATION_SPAN = re.compile(
    r"\b(?:(?:in|during|at|after|on) (?:the |this |that |our |your |yesterday's |today's |last "
    r"week's |(?:mon|tues|wednes|thurs|fri)day's )?(?:\w+ )?(?:meeting|call|stand-?up|"
    r"presentation|review|retro|demo|workshop|session|one-to-one|pitch|debrief|planning|"
    r"handoff|handover|pr|sprint)|yesterday|this morning|last week|on (?:mon|tues|wednes|thurs|"
    r"fri)day)\b",
    re.IGNORECASE,
)


def rewrite_judgement(sentence: str) -> str:
    """A label or absolute as an observation, with slots for what only the learner saw."""
    text = _clean(sentence)
    always = _ALWAYS.search(text)
    if always:
        action = always["x"].strip()
        # "you're always late" keeps its verb: "you've been late"
        if always["be"] or action.split(" ", 1)[0].endswith("ing"):
            return f"I've noticed a few times recently that you've been {action}."
        return f"I've noticed a few times recently that you {action}."
    never = _NEVER.search(text)
    if never:
        return f"There have been a few times recently when you didn't {never['x'].strip()}."
    where = _SITUATION_SPAN.search(text)
    opening = capitalise(where.group(0)) if where else "When it happened"
    return (
        f"{opening}, I noticed [what you saw or heard them do], and the effect was "
        f"[what it caused]. How do you see it?"
    )


def rewrite_incomplete_sbi(feedback: str, present: tuple[SbiPart, ...]) -> str:
    """The learner's feedback with the missing SBI parts added as slots to fill."""
    text = strip_openers(feedback).strip()
    if SbiPart.SITUATION not in present:
        text = f"In [the meeting or moment], {decapitalise(text)}"
    if SbiPart.BEHAVIOUR not in present:
        text = f"I noticed [what they did or said]. {capitalise(text)}"
    if not text.endswith((".", "!", "?")):
        text += "."
    if SbiPart.IMPACT not in present:
        text += " The effect was [what it caused for you or the team]."
    if SbiPart.REQUEST not in present:
        text += " Next time, could you [the change you'd like]?"
    return capitalise(text)


def rewrite_no_invitation(feedback: str) -> str:
    text = strip_openers(feedback).strip()
    return f"{capitalise(text)}{'' if text.endswith(('.', '!', '?')) else '.'} How do you see it?"


# --- listening ----------------------------------------------------------------------------------


def rewrite_shallow_reflection(sentence: str) -> str:
    text = _clean(sentence)
    return f"{capitalise(text)}, and I wonder if that's been weighing on you."


def shortest_version(coded: CodedUtterance) -> str | None:
    """A long turn cut to what does the work: its reflections, feedback and open questions,
    in order, and nothing else. None when cutting would leave nothing, or nothing shorter."""
    keep_moves = (*_GOOD_MOVES,)
    kept = [e.cue for e in coded.evidence if e.move in keep_moves and e.cue]
    ordered = [
        s.text for s in split_sentences(coded.text) if any(s.text in k or k in s.text for k in kept)
    ]
    if not ordered or len(ordered) == len(split_sentences(coded.text)):
        return None
    return " ".join(dict.fromkeys(ordered))


def best_single_question(coded: CodedUtterance) -> str:
    """From a stack, the open question with the most substance (rewritten if none is open)."""
    questions = [e for e in coded.evidence if e.move in (Move.OPEN_QUESTION, Move.CLOSED_QUESTION)]
    bad = {e.cue for e in coded.evidence if e.move in (Move.WHY_QUESTION, Move.LEADING_QUESTION)}
    open_ones = [e.cue for e in questions if e.move is Move.OPEN_QUESTION and e.cue not in bad]
    if open_ones:
        best = max(open_ones, key=lambda q: (len(content_stems(q or "")), -open_ones.index(q)))
        return strip_openers(best or "").strip()
    first = questions[0].cue if questions else coded.text
    return rewrite_why(first or "") if first in bad else rewrite_closed(first or "")


def rewrite_for(
    weakness: Weakness, text: str, coded: CodedUtterance, context: str | None
) -> Rewrite | None:
    """The rewrite of this turn for this weakness, or None when the turn has nothing to fix."""
    builders = {
        Weakness.WHY: lambda: _single(
            Move.WHY_QUESTION,
            rewrite_why,
            "'Why' asks them to justify themselves; 'what led to' "
            "explores the same ground without blame.",
        ),
        Weakness.CLOSED: lambda: _single(
            Move.CLOSED_QUESTION,
            rewrite_closed,
            "A yes/no question narrows the answer; an open one lets them decide what matters.",
        ),
        Weakness.LEADING: lambda: _single(
            Move.LEADING_QUESTION,
            rewrite_leading,
            "The question carried its own answer; a neutral one asks for theirs.",
        ),
        Weakness.UNASKED_ADVICE: lambda: _single(
            Move.ADVICE_WITHOUT_PERMISSION,
            rewrite_unasked_advice,
            "Asking first keeps the decision theirs, so the idea is heard rather than resisted.",
        ),
        Weakness.JUDGEMENT: lambda: _single(
            Move.JUDGEMENT,
            rewrite_judgement,
            "A label invites argument about the label; what you "
            "saw and its effect can be discussed.",
        ),
        Weakness.SHALLOW_REFLECTION: lambda: _single(
            Move.SIMPLE_REFLECTION,
            rewrite_shallow_reflection,
            "Adding the feeling or meaning you sense turns a repeat into a complex reflection.",
        ),
    }

    def _single(move: Move, build: Callable[[str], str], why: str) -> Rewrite | None:
        quote = _cue(coded, move)
        return Rewrite(weakness, quote, build(quote), why) if quote else None

    if weakness in builders:
        return builders[weakness]()
    return _composite(weakness, text, coded, context)


def _composite(
    weakness: Weakness, text: str, coded: CodedUtterance, context: str | None
) -> Rewrite | None:
    """Rewrites that draw on more than one sentence, or on the other person's words."""
    if weakness is Weakness.STACKED:
        quote = _cue(coded, Move.STACKED_QUESTIONS)
        first = _cue(coded, Move.OPEN_QUESTION, Move.CLOSED_QUESTION)
        if quote and first:
            return Rewrite(
                weakness,
                first,
                best_single_question(coded),
                f"{coded.question_count} questions at once let them pick the easiest; "
                "one good question, then silence, goes deeper.",
            )
    if weakness is Weakness.EARLY_ADVICE:
        quote = _cue(coded, Move.ADVICE_WITHOUT_PERMISSION, Move.ADVICE_WITH_PERMISSION)
        if quote:
            return Rewrite(
                weakness,
                quote,
                rewrite_early_advice(quote),
                "Reflecting what you heard first shows you understood before offering a fix.",
            )
    if weakness in (Weakness.INCOMPLETE_SBI, Weakness.NO_INVITATION):
        quote = _cue(coded, Move.FEEDBACK, Move.JUDGEMENT)
        if not quote:
            return None
        if weakness is Weakness.NO_INVITATION:
            return Rewrite(
                weakness,
                quote,
                rewrite_no_invitation(quote),
                "Feedback followed by a genuine question becomes a conversation.",
            )
        missing = [p.value for p in SbiPart if p not in coded.sbi]
        if not missing:
            return None
        return Rewrite(
            weakness,
            quote,
            rewrite_incomplete_sbi(quote, coded.sbi),
            "SBI feedback names the situation, the behaviour, its impact and a "
            f"request; missing here: {', '.join(missing)}.",
        )
    if weakness is Weakness.LONG_TURN:
        sentences = split_sentences(text)
        shorter = shortest_version(coded) if len(sentences) > 1 else None
        if shorter:
            return Rewrite(
                weakness,
                sentences[0].text,
                shorter,
                f"This turn runs to {word_count(text)} words; one sentence leaves "
                "them room to talk.",
            )
    return None


# --- checking every rewrite before it is shown ------------------------------------------------

_REFLECTING = (Move.SIMPLE_REFLECTION, Move.COMPLEX_REFLECTION, Move.SUMMARY)
_GOOD_MOVES = (*_REFLECTING, Move.OPEN_QUESTION, Move.FEEDBACK, Move.PERMISSION_REQUEST)

TARGETS: dict[Weakness, tuple[Move, ...]] = {
    Weakness.WHY: (Move.OPEN_QUESTION,),
    Weakness.CLOSED: (Move.OPEN_QUESTION,),
    Weakness.STACKED: (Move.OPEN_QUESTION,),
    Weakness.LEADING: (Move.OPEN_QUESTION,),
    Weakness.UNASKED_ADVICE: (Move.PERMISSION_REQUEST, Move.ADVICE_WITH_PERMISSION),
    Weakness.EARLY_ADVICE: _REFLECTING,
    Weakness.JUDGEMENT: (Move.FEEDBACK,),
    Weakness.THREAT: (Move.FEEDBACK, Move.OPEN_QUESTION),
    Weakness.INCOMPLETE_SBI: (Move.FEEDBACK,),
    Weakness.NO_INVITATION: (Move.OPEN_QUESTION,),
    Weakness.SHALLOW_REFLECTION: (Move.COMPLEX_REFLECTION, Move.SUMMARY),
    Weakness.QUESTION_NOT_REFLECTION: _REFLECTING,
    Weakness.LONG_TURN: _GOOD_MOVES,
}
"""What a rewrite for each weakness must be coded as (any one of the moves)."""

PROBLEM_MOVES: tuple[Move, ...] = (
    Move.JUDGEMENT,
    Move.WHY_QUESTION,
    Move.ADVICE_WITHOUT_PERMISSION,
    Move.LEADING_QUESTION,
    Move.STACKED_QUESTIONS,
)
"""Moves no rewrite may carry, whatever it replaces (threats and accusations are checked too)."""

FRAMES: dict[Weakness, str] = {
    Weakness.WHY: "What led to [the decision or event you asked about]?",
    Weakness.CLOSED: "What has [the thing you asked about] been like for you?",
    Weakness.STACKED: "How do you see [the one thing you most want to understand]?",
    Weakness.LEADING: "How do you see [the point you wanted them to agree with]?",
    Weakness.UNASKED_ADVICE: "Would it help if I shared an idea about [what you wanted to "
    "suggest]?",
    Weakness.EARLY_ADVICE: "It sounds like [what they just told you, in your own words].",
    Weakness.JUDGEMENT: "In [the situation], I noticed [what they did or said], and "
    "[the effect it had]. How do you see it?",
    Weakness.THREAT: "In [the situation], I noticed [what they did or said], and "
    "[the effect it had]. How do you see it?",
    Weakness.INCOMPLETE_SBI: "In [the situation], I noticed [what they did or said], and "
    "[the effect it had]. Next time, I'd like [the change you'd like]. How do you see it?",
    Weakness.NO_INVITATION: "[Your feedback, as you said it.] How do you see it?",
    Weakness.SHALLOW_REFLECTION: "It sounds like [what they said], and [the feeling or meaning "
    "you sense underneath it].",
    Weakness.QUESTION_NOT_REFLECTION: "It sounds like [what they just told you, in your own "
    "words].",
    Weakness.LONG_TURN: "It sounds like [the one thing you heard that matters most].",
}
"""Frames with visible slots, shown when no candidate sentence passes the checks.
tests/scoring/test_rewrite.py fills every slot and checks each frame codes as its target."""

WHY_TEXT: dict[Weakness, str] = {
    Weakness.WHY: "'Why' asks them to justify themselves; 'what led to' explores the same "
    "ground without blame.",
    Weakness.CLOSED: "A yes/no question narrows the answer; an open one lets them decide what "
    "matters.",
    Weakness.STACKED: "Several questions at once let them pick the easiest; one good question, "
    "then silence, goes deeper.",
    Weakness.LEADING: "The question carried its own answer; a neutral one asks for theirs.",
    Weakness.UNASKED_ADVICE: "Asking first keeps the decision theirs, so the idea is heard "
    "rather than resisted.",
    Weakness.EARLY_ADVICE: "Reflecting what you heard first shows you understood before "
    "offering a fix.",
    Weakness.JUDGEMENT: "A label invites argument about the label; what you saw and its effect "
    "can be discussed.",
    Weakness.THREAT: "A threat ends the conversation you wanted to have; describing what you "
    "saw and its effect keeps it open.",
    Weakness.INCOMPLETE_SBI: "SBI feedback names the situation, the behaviour, its impact and a "
    "request.",
    Weakness.NO_INVITATION: "Feedback followed by a genuine question becomes a conversation.",
    Weakness.SHALLOW_REFLECTION: "Adding the feeling or meaning you sense turns a repeat into a "
    "complex reflection.",
    Weakness.QUESTION_NOT_REFLECTION: "Saying back what they just told you, before asking, shows "
    "you heard it and often gets more than the question would.",
    Weakness.LONG_TURN: "A long turn leaves them less room; keep the part that does the work.",
}

_SLOT = re.compile(r"\[[^\]]+\]")
_DOUBLED = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)
_MODAL_NO_VERB = re.compile(
    r"\b(?:you|i|we|they|he|she)\s+(?:could|would|should|can|will|might|must)\s+"
    r"(?:that|the|a|an|which|whether|because|and|or|if|is|are|was|were|of)\b",
    re.IGNORECASE,
)
_MID_CAPITAL = re.compile(r"(?<=[a-z,;:] )([A-Z][a-z']+)\b")
_COMMON_CAPITALISED = frozenset(
    re.findall(
        r"\w+",
        """one two three four five six seven eight nine ten twenty nobody everyone everybody
    somebody someone since because although though after before yesterday today last next
    every each my your our their his her its this that these those there here""",
    )
)


def artefacts(text: str) -> list[str]:
    """What gives a sentence away as pasted together: ids, so the eval can count them."""
    found = []
    if _DOUBLED.search(text):
        found.append("doubled_word")
    if _MODAL_NO_VERB.search(text):
        found.append("missing_verb")
    for match in _MID_CAPITAL.finditer(text):
        word = match.group(1).lower()
        if word == "i" or word.startswith("i'"):
            continue
        if word in STOPWORDS or word in _COMMON_CAPITALISED:
            found.append("capitalised_fragment")
            break
    if not text.rstrip().endswith((".", "?", "!")):
        found.append("no_end")
    if word_count(_SLOT.sub("", text)) < 3:
        found.append("too_short")
    return found


def _same(a: str, b: str) -> bool:
    return " ".join(words(a)) == " ".join(words(b))


def problems(weakness: Weakness, text: str, original: str, context: str | None) -> list[str]:
    """Why ``text`` may not be shown as the rewrite of ``original``; empty when it may.

    Frames (with [slots]) are checked for problem moves and artefacts; the slot text stops
    the coder from judging their target, which the frame tests check instead.
    """
    from app.scoring.coder import code_utterance
    from app.scoring.metrics import hostility_flags

    found = list(artefacts(text))
    if _same(text, original):
        found.append("repeats_original")
    coded = code_utterance(text, context)
    found += [f"carries_{m.value}" for m in PROBLEM_MOVES if coded.has(m)]
    found += [f"carries_{f.value}" for f in sorted(hostility_flags(text))]
    if not _SLOT.search(text) and not coded.has(*TARGETS[weakness]):
        found.append(f"not_coded_as_{weakness.value}_target")
    return found


@dataclass(frozen=True)
class ExemplarLines:
    """The scenario's model lines for the moments the conversation has reached."""

    reflections: tuple[str, ...] = ()
    open_questions: tuple[str, ...] = ()
    sbi: tuple[str, ...] = ()

    def for_weakness(self, weakness: Weakness) -> tuple[str, ...]:
        if weakness in (
            Weakness.QUESTION_NOT_REFLECTION,
            Weakness.SHALLOW_REFLECTION,
            Weakness.EARLY_ADVICE,
        ):
            return self.reflections
        if weakness in (Weakness.WHY, Weakness.CLOSED, Weakness.STACKED, Weakness.LEADING):
            return self.open_questions
        if weakness in (Weakness.JUDGEMENT, Weakness.THREAT, Weakness.INCOMPLETE_SBI):
            return self.sbi
        return ()


Suggest = Callable[[Weakness, str, str | None], str | None]
"""An optional LLM hook: (weakness, the learner's sentence, their last words) -> a rewrite."""


def _rank_exemplars(lines: Sequence[str], peer_lines: Sequence[str]) -> list[str]:
    """Exemplars closest in meaning to what the other person has just said, best first."""
    from app.scoring.relevance import relevance

    if not peer_lines:
        return list(lines)
    scored = [(relevance(line, peer_lines).score, -n, line) for n, line in enumerate(lines)]
    return [line for _, _, line in sorted(scored, reverse=True)]


def quote_for(weakness: Weakness, text: str, coded: CodedUtterance) -> str | None:
    """The learner's sentence a weakness is about, verbatim."""
    from app.scoring.metrics import ACCUSATION, THREAT

    if weakness in (Weakness.THREAT, Weakness.JUDGEMENT):
        pattern = THREAT if weakness is Weakness.THREAT else ACCUSATION
        for sentence in split_sentences(text):
            if pattern.search(sentence.text):
                return sentence.text
        return _cue(coded, Move.JUDGEMENT)
    moves = {
        Weakness.WHY: (Move.WHY_QUESTION,),
        Weakness.CLOSED: (Move.CLOSED_QUESTION,),
        Weakness.STACKED: (Move.OPEN_QUESTION, Move.CLOSED_QUESTION),
        Weakness.LEADING: (Move.LEADING_QUESTION,),
        Weakness.UNASKED_ADVICE: (Move.ADVICE_WITHOUT_PERMISSION,),
        Weakness.EARLY_ADVICE: (Move.ADVICE_WITHOUT_PERMISSION, Move.ADVICE_WITH_PERMISSION),
        Weakness.INCOMPLETE_SBI: (Move.FEEDBACK, Move.JUDGEMENT),
        Weakness.NO_INVITATION: (Move.FEEDBACK, Move.JUDGEMENT),
        Weakness.SHALLOW_REFLECTION: (Move.SIMPLE_REFLECTION,),
        Weakness.QUESTION_NOT_REFLECTION: (Move.CLOSED_QUESTION, Move.OPEN_QUESTION),
    }.get(weakness)
    if moves is None:
        sentences = split_sentences(text)
        return sentences[0].text if sentences else None
    return _cue(coded, *moves)


def best_rewrite(
    weakness: Weakness,
    text: str,
    coded: CodedUtterance,
    context: str | None,
    *,
    peer_lines: Sequence[str] = (),
    exemplars: ExemplarLines | None = None,
    suggest: Suggest | None = None,
    avoid: Collection[str] = (),
) -> Rewrite | None:
    """The first candidate that passes every check, else the weakness's frame.

    None when the turn holds nothing this weakness is about. ``avoid`` holds rewrites already
    offered on the same card: the same suggestion twice reads as a template, not feedback.
    """
    transformed = rewrite_for(weakness, text, coded, context)
    quote = transformed.quote if transformed else quote_for(weakness, text, coded)
    if not quote or quote not in text:
        return None
    why = transformed.why if transformed else WHY_TEXT[weakness]
    candidates: list[tuple[str, str]] = []
    if exemplars is not None:
        ranked = _rank_exemplars(exemplars.for_weakness(weakness), peer_lines)
        candidates += [(line, "scenario") for line in ranked]
        if weakness is Weakness.EARLY_ADVICE:  # reflect first, then ask to offer the idea
            offer = rewrite_unasked_advice(quote)
            candidates = [(f"{line} {offer}", "scenario") for line, _ in candidates]
    if transformed is not None:
        candidates.append((transformed.rewrite, "transform"))
    if suggest is not None:
        try:
            proposed = suggest(weakness, quote, context)
        except Exception:  # an LLM is optional: a failed call costs its candidate, not the card
            proposed = None
        if proposed:
            candidates.append((proposed.strip(), "llm"))
    for candidate, source in candidates:
        if candidate in avoid:
            continue
        if not _SLOT.search(candidate) and not problems(weakness, candidate, quote, context):
            return Rewrite(weakness, quote, candidate, why, "sentence", source)
    return Rewrite(weakness, quote, FRAMES[weakness], why, "frame", "frame")
