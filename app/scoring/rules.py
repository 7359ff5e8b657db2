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
  rising intonation, as MI coding manuals treat it.
- "Is that right?" closing a reflection is a check of understanding, part of the reflection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from app.scoring.language import core_form, normalise_apostrophes, words


def _word_set(words: str) -> frozenset[str]:
    """A set from a whitespace-separated word list (easier to read and edit than a literal)."""
    return frozenset(words.split())


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


def _starts(*alternatives: str) -> re.Pattern[str]:
    return re.compile("^(?:" + "|".join(f"(?:{a})" for a in alternatives) + r")\b")


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
    rf"{_NEG_AUX} (?:you|it|that|this|they|we|he|she|there|the)",
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
    r"why (?:don't|can't) you",
    r"why not",
    r"(?:what|how) about (?:you |we )?(?:just |maybe )?\w+ing\b",
    r"(?:what|how) about (?:you|we|a|an|asking|trying|talking|telling|blocking|booking)\b",
    r"(?:could|can|couldn't|can't) you (?:not )?just\b",
    r"(?:have|haven't) you (?:ever )?(?:thought about|considered|tried|thought of)",
    r"what if you (?:just |simply |maybe |were to )?\w+",
    r"how about (?:you |we )?(?:just )?\w+",
    r"(?:can't|couldn't) you (?:just )?",
    r"(?:do|don't) you (?:really |honestly |not )?think (?:that )?you (?:should|ought|need|must)",
)
# A tag question asks the listener to agree with what was just said: leading by design.
_TAG = re.compile(
    rf",\s*(?:right|{_NEG_AUX} (?:it|that|you|he|she|they|we|there)|(?:is|are|do|does|did|was|"
    r"were|can|could|will|would|should|has|have) (?:it|that|you|he|she|they|we)|don't you think|"
    r"wouldn't you say|yeah|yes|no|surely|correct|agreed|ok|okay|eh)\s*\?$"
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
    r"i(?:'m| am) (?:curious|interested|wondering) (?:about|what|how|to hear|to know|where|who)",
    r"(?:anything|something) else",
    r"(?:are there |is there )?any (?:other |more )?(?:thoughts|ideas|things|reasons|barriers|"
    r"concerns|options|ways|worries|not-so-good|good|other)",
    r"i(?:'d| would) (?:love|like) to (?:hear|know|understand) (?:more|what|how|about)",
    r"i wonder (?:what|how)",
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
    r"who|whom|whose|which",
    r"i wonder (?:if|whether)",
    r"i(?:'m| am) (?:wondering|curious) (?:if|whether)",
    r"(?:anything|any|something|everything|all|ready|sure|ok|okay|good|better|yes or no|"
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
)
# Offering an idea and letting the listener choose: the permission step of "advice with
# permission" (MITI 4.2.1 "persuade with permission"), whether or not advice follows in the turn.
PERMISSION_ASK = _rx(
    r"\b(?:would|will|is) (?:it |that )?(?:be )?(?:ok|okay|alright|all right|helpful|useful|fine|"
    r"of use) (?:with you )?(?:if i|for me to|to share|to offer|to suggest|to give|if we)\b",
    r"\bwould it help (?:if i|for me to|to hear)\b",
    r"\b(?:can|could|may|might) i (?:share|offer|suggest|make a suggestion|give you|add|tell you|"
    r"throw in|mention|float|put forward|pass on|give some|give a|be honest|make an observation|"
    r"give (?:you )?(?:some|a bit of|an) (?:feedback|idea|thought))\b",
    r"\b(?:do|would) you mind if i\b",
    r"\bwould you (?:like|want|find it helpful|find it useful|be interested in) (?:me to|to hear|"
    r"some|a|my|any|an|what i|if i)\b",
    r"\b(?:are you|would you be) open to (?:a|an|some|my|hearing|ideas?|suggestions?|what)\b",
    r"\b(?:do you|would you)? ?want (?:me to (?:share|suggest|tell|offer|say|walk)|my (?:take|"
    r"idea|view|thoughts|two cents)|(?:some|a few|a couple of) (?:ideas|suggestions|thoughts))\b",
    r"\bi(?:'ve| have)(?: got)? (?:an idea|a suggestion|a thought|some ideas|a few ideas|a couple "
    r"of ideas|an observation|a \w+ idea)\b.*\b(?:if you|would you|do you|want)\b",
    r"\bif you(?:'d| would)? (?:like|want)(?: it| them| to hear (?:it|them))?\W*$",
)
# Leaving the choice with the listener: turns advice in the same turn into advice with permission.
AUTONOMY = _rx(
    r"\btake it or leave it\b",
    r"\btake what(?:'s| is) useful\b",
    r"\b(?:it's|it is|that's|that is) (?:entirely |totally |completely )?(?:up to you|your (?:call|"
    r"choice|decision))\b",
    r"\byou know (?:best|your (?:team|situation|people|manager|context) (?:best|better))\b",
    r"\b(?:may|might) (?:or may not|not) (?:work|fit|suit|be right|apply|be for you)\b",
    r"\byou might (?:find it useful|not)\W",
    r"\bsee (?:if|whether|how) (?:it|that|any of (?:that|this)|this) (?:fits|works|helps|feels|"
    r"sits|would work|could work)\b",
    r"\bfeel free to (?:ignore|say no|disagree|take it or leave)\b",
    r"\bif (?:you're|you are) (?:open to it|interested|up for it)\b",
)
# The other person has just said yes to hearing an idea: advice that follows has permission.
PERMISSION_GRANTED = _rx(
    r"\bplease\b",
    r"\bgo (?:ahead|on|for it)\b",
    r"\btell me\b",
    r"\bi(?:'m| am) (?:all ears|listening|open to)\b",
    r"\bi(?:'d| would) (?:love|like|welcome|appreciate) (?:that|it|a|an|some|your|any|to hear)\b",
    r"\bany (?:ideas|suggestions|tips|advice|thoughts on what)\b",
    r"\bopen to (?:it|ideas|suggestions|that|hearing)\b",
    r"\bwhat (?:would|should|do) (?:you|i) (?:do|say|suggest|recommend|try)\b",
    r"\bhow would you\b",
    r"\bwhat worked for you\b",
    r"\b(?:that|it) (?:would|could) (?:be )?(?:help|helpful|great|useful|good)\b",
    r"\bout of ideas\b",
    r"\bwhat(?:'s| is) the (?:framework|idea|trick|suggestion|method|approach)\b",
    r"^(?:yes|yeah|sure|absolutely|definitely|of course|okay|ok)[.!]*$",
)
# The learner announces feedback ("Can I share an observation?", "what I noticed in the demo").
FEEDBACK_OFFER = re.compile(
    r"\b(?:feedback|an observation|what i noticed|something i noticed|something i saw|"
    r"something about (?:the|your|how))\b"
)
REFUSAL = re.compile(r"^(?:no|nope|not (?:now|really|yet)|i(?:'d| would) rather (?:not|keep))\b")
ADVICE = _rx(
    r"\byou (?:really |just |definitely |probably |honestly |seriously |absolutely )?"
    r"(?:should(?:n't)?|ought to|need to|have to|must(?:n't)?|'ve got to|have got to|gotta|"
    r"had better|'d better)\b(?! (?:be (?:really |very |so )?proud|feel (?:proud|good)))",
    r"\byou(?:'ll| will) (?:need|have) to\b",
    r"\b(?:i|i'd|i would|i'll|we) (?:strongly |really |would |honestly )?(?:suggest|recommend|"
    r"advise|urge)\b",
    r"\bmy (?:advice|suggestion|recommendation|tip)\b",
    r"\bif i (?:were|was) you\b",
    r"\bwhat you (?:need|should|have|ought|want) to do is\b",
    r"\bthe (?:best|right|only|smart) (?:thing|way|move|option|approach) (?:to do |for you |here )?"
    r"(?:is|would be)\b",
    r"\bit(?:'d| would) be (?:best|better|wise|smart|a good idea|good) (?:to|if you|for you to)\b",
    r"\b(?:it's|it is) (?:best|better|important|a good idea|worth) (?:to|that you|if you)\b",
    r"\byou (?:might|may) (?:want|wish|like) to\b",
    r"\byou (?:could|can) (?:always |just |also |easily |simply )?(?:try|ask|talk|tell|speak|"
    r"email|send|book|set|delegate|say|go|start|stop|use|write|raise|bring|push|block|schedule|"
    r"put|take|make|give|get|call|check|look|let|pull|split|drop|escalate|loop|message|flag)\b",
    r"\bmake sure (?:you|to|that)\b",
    r"\b(?:just|simply) (?:tell|say|ask|send|do|go|talk|email|ignore|let|block|push)\b",
    r"\byou (?:could|might) (?!(?:have|be|feel|find|see|sense|think|say|wonder|not|also be|"
    r"well|actually be|still)\b)(?:\w+ly )?\w+",
    r"\b(?:one|another|an) (?:option|idea|thing you (?:could|can|might) (?:try|do)|approach|"
    r"possibility|trick|tip)(?: (?:could|would|might) be| is|:)",
    r"\b(?:if it were me|if i were in your (?:shoes|position)),? i(?:'d| would)\b",
    r"^(?:honestly,? )?i(?:'d| would) (?:probably |maybe |just |definitely |personally |"
    r"honestly )?(?:start|go|try|send|ask|thank|say|tell|write|do|book|open|lead|put|take|use|"
    r"keep|begin|focus|pick|block|set|bring|offer|wait|push|talk|speak|make|get|give|raise|"
    r"reach|prepare|list|drop|escalate|frame|name|lead)\b",
    r"^(?:maybe|perhaps) (?:just )?(?:try|start|ask|talk|send|book|block|write|consider|think "
    r"about|set|put|take|give|get|bring|keep|schedule|reach)\b",
    r"\b(?:a|an|the|one) (?:\w+ )?(?:checklist|template|framework|trick|habit|routine|rule|"
    r"script|tool|practice) (?:might|could|would|will|can) help\b",
    r"^some people (?:write|find it|use|try|keep|start|block|send|put|book|ask|take|set)\b",
    r"^what you (?:really )?(?:need|want|should do|have to do|need to do) is\b",
    r"^(?:the|your|these|this|those) \w+(?: \w+)? needs? to (?:be|come|get|stop|start|change|"
    r"improve|happen|go)\b",
    r"\bit(?:'d| would) (?:just |really |probably )?be (?:good|better|best|nice|great) to\b",
)
# "When you have to think about it" is not advice: a modal after these words describes, not directs.
_NOT_ADVICE_BEFORE = re.compile(
    r"(?:\b(?:when|if|whenever|because|since|that|feel like|felt like|as if|unless|until|"
    r"what|why|how|where|the fact that|so that|worried|afraid|scared|think|thought|means|"
    r"meaning|wonder|knowing|realise|realize|know|saying|said|told)\s+)$"
)


# "I think you need to ..." is the learner's own view of what they should do: still advice,
# although "think" before a modal usually describes ("when you think you need to ...").
_OWN_OPINION = re.compile(
    r"\bi (?:really |honestly |do |still |just |personally )?(?:think|believe|feel(?: like)?)"
    r"\s+(?:that\s+)?$"
)


def advice_cue(sentence: str) -> bool:
    """Advice wording that directs the listener, not a modal inside a description."""
    lowered = normalise_apostrophes(sentence).lower()
    for match in ADVICE.finditer(lowered):
        before = lowered[max(0, match.start() - 24) : match.start()]
        if _OWN_OPINION.search(before) or not _NOT_ADVICE_BEFORE.search(before):
            return True
    core = _ADVICE_FRAME.sub("", core_form(sentence))
    return bool(IMPERATIVE.match(core))


# "Next time, write the notes earlier." / "It's simple: write it down." -- the frame before the
# imperative does not make it less of an instruction.
_ADVICE_FRAME = re.compile(
    r"^(?:(?:next time|going forward|in future|in the future|from now on|honestly|seriously|"
    r"trust me|it's simple|it's easy|easy|simple|here's what you do|here's the thing|my take)"
    r"\s*[,:;.\-\u2013\u2014]+\s*)+"
)


IMPERATIVE = _starts(
    r"(?:just |simply |definitely |honestly |seriously )?(?:don't|do not|never) (?:let|be|take|"
    r"worry|wait|forget|apologi[sz]e|accept|say|do|give|ignore|stress|overthink|put|agree)",
    r"(?:just |simply |definitely |honestly |seriously )?(?:try|talk to|tell (?:him|her|them|"
    r"your|the|everyone|people)|go (?:to|and|back)|stop|start|make|take (?:a|the|it|some|that)|"
    r"ask (?:him|her|them|your|the|for)|consider|remember|focus|set|book|delegate|email|send|"
    r"schedule|speak|write|push|block|put|give (?:him|her|them|it)|get|call|check|keep|prioriti"
    r"[sz]e|raise|bring|escalate|document|drop|skip|avoid|learn|read|sign up|reach out|sort|fix|"
    r"plan|cut|turn|find|use|move|say no|say yes|be (?:more|firmer|clear|honest|direct)|write "
    r"(?:down|it|them|a|an|up)|list|note|pick|trust me|go for it|don't\.?$)",
)
JUDGEMENT = _rx(
    r"\byou(?:'re| are| were|'ve been| have been| seem| sound| come across as| came across as|"
    r" look| looked)(?: being)? (?:really |so |very |too |a bit |quite |pretty |totally |"
    r"completely |frankly |just |incredibly |such |being |always |often )*(?:a |an )?(?:lazy|"
    r"sloppy|careless|unprofessional|rude|selfish|immature|incompetent|useless|hopeless|"
    r"ridiculous|pathetic|stupid|dumb|childish|arrogant|disrespectful|irresponsible|unreliable|"
    r"difficult|defensive|aggressive|negative|overreacting|dramatic|emotional|sensitive|"
    r"disorganised|disorganized|lazy|mess|disaster|liability|problem|drama queen|control freak|"
    r"micromanager|pushover|bully|know-it-all|out of line|overly \w+)\b",
    r"\byour (?:work|attitude|behaviou?r|report|code|presentation|email|tone|performance|"
    r"writing|slides|approach|idea|plan|analysis|effort|manner)(?: here| lately| recently)? "
    r"(?:is|was|has been|were)(?: frankly| honestly| just| really| pretty| quite| so| totally| "
    r"completely)* (?:a |an )?(?:sloppy|careless|unprofessional|rude|unacceptable|poor|bad|"
    r"terrible|awful|dreadful|lazy|pathetic|mess|disaster|joke|embarrassing|disappointing|"
    r"substandard|not good enough|not acceptable|below par|inadequate|weak|lacking|problem)\b",
    r"\b(?:that|this|it)(?:'s| is| was) (?:just |really |frankly |honestly |totally |"
    r"completely |so |pretty |quite |simply )*(?:a |an )?(?:unacceptable|ridiculous|a mess|mess|"
    r"sloppy|unprofessional|pathetic|stupid|a joke|joke|not good enough|embarrassing|careless|"
    r"lazy|inexcusable|out of line|a disaster|disaster|a bad idea|a terrible idea|a stupid idea|"
    r"dumb|childish|rude|selfish|disrespectful|irresponsible)\b",
    r"\byou(?:'re| are)? (?:always|never|constantly|forever) (?!(?:seem to )?(?:come through|"
    r"deliver|help|manage|find|step up|bring|make time|look out|so|such|there))\w+",
    r"\b(?:that's|that is|that was|it's|how|so|very|rather|a bit|pretty|quite|being) (?:a bit |"
    r"pretty |quite |so |very |really |rather |just )?(?:entitled|reckless|naive|naïve|foolish|"
    r"careless|lazy|petty|spineless|selfish|arrogant|immature|unprofessional|clueless|"
    r"pathetic|ridiculous|irresponsible|amateur|amateurish|garbage|rubbish|sloppy|"
    r"passive-aggressive|childish|dramatic|hysterical|weak)\b",
    r"\bnot (?:a good look|your (?:smartest|best|finest|brightest) (?:move|idea|moment))\b",
    r"^classic\b",
    r"\b(?:a|that's a|what a) (?:great|brilliant|good) way to (?:make (?:friends|enemies)|lose|"
    r"annoy|burn)\b",
    r"\bno better than\b",
    r"^some (?:mentor|friend|lead|manager|teammate|colleague|coach) you are\b",
    r"\b(?:someone else|they|he|she) (?:messed|screwed|mucked) (?:that|it|this|things) up\b",
    r"\btakes forever\b",
    r"\byou (?:micromanage|overthink|overreact|overcomplicate)\b",
    r"\byou(?:'re| are) not (?:a |very |really )?(?:great|good|strong|natural|very good) "
    r"(?:listener|manager|lead|communicator|teammate|coach|writer|presenter)\b",
    r"\byou(?:'re| are) (?:very much |such |kind of |a bit of )?a (?:\w+ )?(?:type|person who "
    r"always)\b",
    r"\b(?:less|more|too|so|very|a bit|bit) (?:pushy|defensive|negative|aggressive|arrogant|"
    r"emotional|sensitive|harsh|nasty|blunt|rude|lazy|sloppy|careless|dismissive|controlling|"
    r"bossy)\b",
    r"\b(?:that's|that is) (?:the|your) (?:defensiveness|attitude|ego|problem)\b",
    r"\b(?:so|really|pretty|quite) (?:nasty|harsh|arrogant|mean|rude)\b",
    r"\bwhat were you thinking\b",
    r"\bhow could you\b",
    r"\byou (?:don't|do not|didn't|did not) (?:even |really )?care\b",
    r"\byou (?:messed|screwed|blew|mucked|stuffed) (?:it |this |that |everything )?up\b",
    r"\byou(?:'re| are) (?:the|a|part of the) (?:problem|reason (?:we|this|it|the))\b",
    r"\b(?:i'm|i am|i was) (?:really |very |so |quite |a bit |pretty )?disappointed (?:in|with) "
    r"you\b",
    r"\bthat was (?:wrong|bad|poor|not ok|not okay|not acceptable) of you\b",
    r"\b(?:nobody|no one) (?:wants|likes|trusts|can work with) (?:you|someone who)\b",
)
_SITUATION = _rx(
    r"\b(?:in|during|at|after|before|on) (?:the|this|that|our|your|yesterday's|today's|"
    r"this morning's|last week's|monday's|tuesday's|wednesday's|thursday's|friday's|last|"
    r"the last|last night's|team|weekly|client|board)? ?(?:\w+ )?(?:meeting|call|stand-?up|"
    r"presentation|review|retro|retrospective|demo|workshop|session|one-to-one|1:1|one on one|"
    r"sync|check-in|interview|pitch|kickoff|kick-off|offsite|briefing|huddle|planning|email|"
    r"thread|chat|channel|slack|message|sprint|handover|training|all-hands|town hall|"
    r"catch-up|event|launch|incident|deadline|rollout|update|conference|pr|pull request|pitch|"
    r"ticket|debrief|crit|doc|document|design review|code review|release|standup|hand-off|"
    r"handoff|call|walkthrough)s?\b",
    r"\b(?:this|last) (?:sprint|week|morning|quarter|month)\b",
    r"\btoday's\b",
    r"\b(?:yesterday|this morning|this afternoon|earlier today|earlier this week|the other day|"
    r"last (?:week|night|month|sprint|quarter|friday|monday|tuesday|wednesday|thursday|saturday|"
    r"sunday|time)|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
    r"\b(?:in|over|during) the (?:last|past) (?:two|three|few|several|couple of) (?:sprints|weeks|"
    r"meetings|months|days|reviews|releases|retros|standups)\b",
    r"\b(?:two|three|four|a few|several|a couple of) (?:weeks|days|months|sprints) ago\b",
    r"\bwhen (?:we|you) (?:met|spoke|talked|were presenting|presented|had|walked|reviewed|"
    r"ran|did)\b",
    r"\b(?:twice|three times|a few times|several times|more than once) (?:this|last) "
    r"(?:week|month|sprint)\b",
)
# An ongoing experience ("you've been carrying more than people see", "you've been through a
# lot"): how a reflection describes someone's situation. Without a situation, an impact or a
# request it is not a behaviour reported as feedback.
ONGOING = _rx(
    r"\byou(?:'ve| have) (?:\w+ly )?been (?:\w+ly )?\w+ing\b",
    r"\byou(?:'ve| have) (?:been|gone|lived) through\b",
    r"\byou(?:'ve| have) got\b",  # possession: "you've got a lot going on"
)
# Saying back what the other person said or went through: "So you ...", "You said ...",
# "You mentioned ...". A recap of their story, never the learner's observation of them.
RECAP = re.compile(
    r"^(?:\W*(?:okay|ok|right|yeah|yes|mm-hmm|mhm|um|uh|well|and|sure|alright)\b[\s,.!-]*)*"
    r"(?:so,?\s+(?:then,?\s+)?(?:you|it sounds|what i)|you (?:said|mentioned|told me|described|"
    r"explained))\b"
)
OBSERVATION = _rx(
    r"\bi (?:noticed|saw|heard|observed|watched|spotted|read|could see) (?:that |how |when )?"
    r"(?:you|your)\b",
)
_IRREGULAR_PAST = (
    "took|gave|made|went|came|left|sent|said|spoke|wrote|ran|led|cut|kept|put|brought|caught|"
    "forgot|got|held|let|met|read|saw|sat|set|shut|stood|threw|told|began|broke|chose|did|drew|"
    "drove|fell|hid|hit|lost|rang|spent|stole|swore|tore|woke|wore|blew|built|bought|dealt|fought|"
    "found|hung|lent|shook|sold|split|stuck|taught|upset|withdrew|talked over|spoke over"
)
_NOT_BEHAVIOUR = (
    "need|feed|proceed|succeed|exceed|indeed|felt|wanted|needed|thought|seemed|tried|decided|hoped|wished|liked|loved|hated|knew|realised|"
    "realized|worried|expected|meant|mentioned|feared|preferred|enjoyed|imagined|believed|noticed|"
    "managed|guessed|sounded|appeared|looked like|cared|considered|learned|learnt|been through|"
    "described|explained to me|told me|said you|sound|seem|identified|ended up|"
    "experienced|struggled|coped|carried|juggled"
)
# What the other person did, in the second person past ("you merged four PRs", "you've been
# sending requests at 11pm") or as an observation ("I noticed you ...").
_BEHAVIOUR = _rx(
    OBSERVATION.pattern,
    rf"\byou(?:'ve| have| had)? (?:\w+ly |just |also |then |only |still |even |again )?"
    rf"(?!(?:{_NOT_BEHAVIOUR})\b)(?:\w+ed|{_IRREGULAR_PAST})\b",
    r"\byou(?:'ve| have) been \w+ing\b",
    r"\byou (?:were|weren't|was) (?:\w+ly )?(?:\w+ing|late|early|absent|quiet|silent|rude|short|"
    r"sharp|dismissive|distracted|on your phone|on time)\b",
    r"\bwhen you (?:\w+ly )?(?:interrupt|finish|talk|cut|roll|sigh|check|reply|answer|skip|"
    r"leave|come|send|push|merge|close|ignore|dismiss|speak|raise|share|take|make|use|keep|miss)"
    r"\w*\b",
    r"\byou (?:micromanage|interrupt|talk over|check in|cancel|skip|reply|answer|push|merge|close"
    r"|leave|come in|arrive|send)\w* (?:\w+ ){0,4}(?:twice|every|each|a day|a week|always|"
    r"again|without|before|after)\b",
)
_IMPACT = _rx(
    r"\b(?:the|its|the main|one) (?:effect|impact|result|consequence|outcome|upshot)s?\b"
    r"(?:[^.!?]{0,30}?)\b(?:was|is|were|has been)\b",
    r"\bit took (?:an extra|longer|more than|over|\w+ (?:minutes|hours|days|weeks))\b",
    r"\b(?:customers|users|clients|the client|the customer|support) (?:saw|had|got|lost|"
    r"couldn't|could not|waited|noticed|complained|called)\b",
    r"\b(?:he|she|they|i|we)(?:'s|'ve| has| have) been second-guessing\b",
    r"\b(?:they're|they are|she's|he's|people are|the team is|we're|we are|i'm|i am) (?:now |"
    r"still )?(?:nervous|hesitant|reluctant|afraid|scared|worried|wary) (?:about|to|of)\b",
    r"\b(?:barely|hardly|never|didn't|did not) (?:spoke|speak|said|say|contributed|contribute)\b",
    r"\b(?:he|she|they|nobody|no one|the team)\b[^.!?]{0,20}\b(?:didn't|couldn't|could not|"
    r"did not|never) (?:get to |manage to )?(?:finish|speak|say|ask|raise|share|answer)\b",
    r"\b(?:slipped|spilled|spilt|ran over|overran) into\b",
    r"\b(?:worked|stayed) late\b",
    r"\bthe room (?:changed|went quiet|relaxed|lit up)\b",
    r"\b(?:which|that|and that|this) (?:meant|means|made|led|caused|left|gave|put|set|slowed|"
    r"helped|pushed|forced|cost|saved|stopped|allowed|let)\b",
    r"\bas a result\b",
    r"\bbecause of (?:that|this)\b",
    r"\bso (?:the|we|i|they|people|everyone|nobody|no one|the team|the client|two|three|some)"
    r"(?: \w+)? (?:had to|couldn't|could not|didn't|missed|lost|felt|ended|were|was|got|stopped|"
    r"went|waited|spent)\b",
    r"\bi (?:felt|was|got|became|ended up) (?:\w+ )?(?:worried|concerned|frustrated|confused|"
    r"impressed|anxious|embarrassed|uncomfortable|relieved|grateful|proud|annoyed|stuck|lost|"
    r"undermined|sidelined|dismissed|unheard|stressed|reassured|confident|surprised|caught out|"
    r"exposed|left out|blindsided)\b",
    r"\bit (?:made|left) (?:me|us|the team|people|everyone|them|the client|others)\b",
    r"\b(?:makes|made|making|leaves|left) (?:the team|people|me|us|everyone|them|others|her|him|"
    r"the client|the room) (?:feel|think|wonder|hesitant|nervous|unsure|not want|less|more|"
    r"reluctant|quiet|look)\w*\b",
    r"\b(?:it's|it is|that's|that is) making me\b",
    r"\bi (?:lose|lost|feel|felt|get|got|start|started|stop|stopped|can't|couldn't|end up|ended up"
    r"|find myself|found myself|was left|am left|had to|have to) (?:\w+ )?(?:track|pressure|"
    r"rushed|dismissed|hesitant|unsure|nervous|anxious|worried|stuck|ignored|sidelined|"
    r"undermined|frustrated|confused|out of|redo|chase|cover|explain|guess|wait)\w*\b",
    r"\b(?:he|she|they|the intern|the candidate|mia|anna|tom|sam) (?:was|were|went|seemed|looked|"
    r"felt|got|stayed) (?:really |very |quite |a bit )?(?:upset|quiet|silent|flustered|hurt|"
    r"embarrassed|confused|annoyed|rattled|thrown|lost|stuck|blocked)\b",
    r"\b(?:came|come|comes) across as\b",
    r"\bi (?:felt|feel|was|got) (?:really |pretty |quite |a bit |so |very )?(?:\w+ed|invisible|"
    r"small|stupid|awkward|uncomfortable|unsure|left out)\b",
    r"\b(?:knocked|hurt|shook|dented|shaken) (?:my|our|their|her|his) (?:confidence|trust)\b",
    r"\bi(?:'ve| have) been second-guessing\b",
    r"\b(?:calmed|relaxed|settled|quietened) down\b",
    r"\b(?:thanked|told) me (?:for it|it was|that)\b",
    r"\b(?:spent|lost|wasted) (?:most of|all of|all|half|the whole|hours|a day|two days)\b",
    r"\b(?:a|the) (?:client|customer|user|stakeholder) (?:escalated|complained|churned|left|"
    r"called)\b",
    r"\b(?:doesn't|don't|didn't) know who to\b",
    r"\bended up with\b",
    r"\blost my train of thought\b",
    r"\bafter that,? (?:nobody|no one|everyone|people|the team|they|she|he)\b",
    r"\b(?:the team|the client|people|everyone|others|the group|the customer|the room|two people"
    r"|nobody|no one) (?:felt|were|was|had to|couldn't|could not|ended up|lost|missed|stopped|"
    r"got|went quiet|looked)\b",
)
_REQUEST = _rx(
    r"\b(?:next time|going forward|in (?:the )?future|from now on|for the next)\b",
    r"^(?:could|can|would|will) (?:you|we) (?:please )?(?!tell me|say|describe|share more|explain|"
    r"walk me|talk me|help me understand)\w+",
    r"^please\b",
    r"\bi(?:'d| would) (?:really )?appreciate (?:it )?if you\b",
    r"\b(?:could|can|would|will) you (?:please )?(?:try|make sure|start|stop|keep|let|send|give|"
    r"flag|check|share|bring|come|join|aim|plan|loop|copy|update|tell|wait|hold|give|book|"
    r"write|set|run|agree)\b",
    r"\bi(?:'d| would) (?:like|love|ask|appreciate it) (?:you|us|for you|if you|it if you)\b",
    r"\bi(?:'m| am) asking (?:you|that)\b",
    r"\bmy (?:request|ask) (?:is|would be)\b",
    r"\b(?:can|could|shall) we agree\b",
    r"\bwould you be (?:willing|up for|open to|happy to|able to)\b",
    r"\bwould it work (?:to|if you)\b",
    r"\blet's agree\b",
    r"\b(?:what|how) (?:could|can|would|might) (?:we|you) (?:do|handle|approach|change|try) "
    r"(?:differently|next time)\b",
)
SELF_DISCLOSURE = _rx(
    r"\bwhen i (?:was|started|joined|had|worked|first|moved|did|got|became|led|ran|managed)\b",
    r"\bi(?:'ve| have) (?:been there|been through|had (?:the same|that|a similar)|felt (?:the "
    r"same|that|like that|exactly)|done (?:the same|that myself|exactly)|seen this before)\b",
    r"\b(?:at|in) my (?:last|previous|old|first|current|own) (?:job|team|role|company|place|"
    r"manager|workplace|firm|department)\b",
    r"\b(?:in )?my (?:own )?experience\b",
    r"\b(?:that|this|the same thing|something similar|it) (?:happened|happens) to me\b",
    r"\b(?:me too|same here|i'm the same|i was the same)\b",
    r"\bi (?:remember|recall) (?:when|being|having|feeling|my)\b",
    r"\bi (?:once|used to)\b",
    r"\bi (?:had|went through|struggled|dealt) with (?:the same|something similar|that|this|"
    r"a similar)\b",
    r"\bi know (?:exactly )?(?:how|what) (?:that|it) (?:feels|is like)\b",
    r"\bi (?:push back|do that|do this|always|never|tend to|usually|personally)\b",
    r"\b(?:personally|for me personally)\b",
    r"\b(?:we|my team|my last team|we once) (?:made|did|had|tried|used) (?:people|the same|"
    r"something|this|that)\b",
    r"^(?:i|i'm|i've|me)\b.*\b(?:too|either|myself|as well)\W*$",
    r"^me neither\b",
    r"^i (?:did|was|had|went|got|spent|felt|burned|burnt|switched|moved|left|quit|struggled|"
    r"barely|nearly|almost|still|once|used|find|get|definitely get|know that)\b.*\b(?:years? ago|"
    r"once|last (?:year|spring|summer|autumn|fall|winter|month)|in (?:19|20)\d\d|for (?:two|three|"
    r"four|five|six|a few|several|many) (?:years|months)|wreck|scared|anxious|nervous|lonely|"
    r"embarrassed|shaking|knocked|regret|burn(?:ed|t)? out|off sick|sinking feeling|defensive|"
    r"instinct|bad news|ages|wasn't ready|knew it|for weeks)\b",
    r"\bmy (?:first|old|last|previous|former) (?:lead|manager|boss|team|job|mentor|role)\b",
    r"\bi(?:'ve| have) had (?:\w+ )?(?:like that|reviews like|the same|a similar|one of those)\b",
    r"\bi (?:went|go) back and forth\b",
    r"^i (?:started|began|stopped|switched|learned|learnt|used to|once|tried) \w+ing\b",
    r"^i used to\b",
    r"\bi(?:'d| had) just had\b",
    r"\b(?:i'm|i am) (?:a bit |also |really |quite )?(?:anxious|nervous|worried|scared) about "
    r"(?:it|that|this) (?:myself|too)\b",
    r"\bmy (?:manager|lead|boss)(?:'s| is) (?:\w+ )?(?:younger|older|new|different) (?:than me )?"
    r"too\b",
)
AFFIRMATION = _rx(
    r"\b(?:that|it|this) (?:took|takes|must have taken|must take) (?:real |a lot of |some |so "
    r"much )?(?:courage|guts|strength|honesty|bravery|effort|commitment|resilience)\b",
    r"\bwell done\b",
    r"\b(?:good|great|nice|brilliant|excellent) (?:job|work|for you|on you|call|thinking|point|"
    r"question|idea|insight|catch|step|progress|move|instinct|effort)\b",
    r"\byou(?:'ve| have) (?:clearly |really |obviously |already |genuinely )?(?:worked|put in|"
    r"thought|done|made|shown|come|handled|managed|achieved|taken|stuck|kept)(?: so| really)?"
    r" (?:hard|a lot|so much|real|great|good|well|carefully|far|a big|a real|with it|at it|"
    r"going|it well|a huge|huge|loads)\b",
    r"\b(?:it's|it is) (?:clear|obvious) (?:that )?you (?:care|want|value|put|have|'ve|are|"
    r"'re|take|work)\b",
    r"\byou (?:clearly |really |obviously |genuinely |deeply )?(?:care (?:about|a lot|deeply|so)"
    r"|take (?:it|this|your \w+) seriously|want to do (?:right|well|a good job|the right thing))"
    r"\b",
    r"\byou(?:'re| are) (?:clearly |really |obviously |very |so |incredibly |such )?(?:a |an )?"
    r"(?:committed|determined|resourceful|thoughtful|conscientious|dedicated|capable|talented|"
    r"resilient|brave|honest|generous|skilled|organised|organized|creative|strong|good at|"
    r"great at|strong|great|good|natural|someone who (?:cares|takes|thinks|puts|works|does))\b"
    r"(?! (?:at all|enough))",
    r"\bi (?:really |genuinely )?(?:appreciate|admire|respect|value) (?:that|how|your|you|the "
    r"way|what you)\b",
    r"\bthank(?:s| you) (?:so much |very much )?for (?:being (?:so )?(?:honest|open|candid|"
    r"frank)|sharing|your (?:honesty|openness|candou?r|trust|effort|work|help)|telling me|raising"
    r"|bringing this|trusting|opening up)\b",
    r"\b(?:that|this) (?:shows|says a lot|speaks to|is a sign)\b",
    r"\byou should be (?:really |very |so )?proud\b",
    r"\byou (?:handled|managed|dealt with|navigated) (?:that|it|this|them|him|her|the \w+) "
    r"(?:really |so |very )?(?:well|gracefully|calmly|brilliantly|skilfully|skillfully)\b",
    r"\b(?:that's|that is) (?:a )?(?:real|big|huge|great|good|genuine|important) (?:strength|"
    r"step|progress|achievement|insight|skill|shift)\b",
)
AFFIRMATION_MORE = _rx(
    r"\b(?:takes|took|shows|showed|showing) (?:real |a lot of |some |genuine )?(?:integrity|"
    r"maturity|courage|guts|nerve|honesty|humility|self-awareness|grit|care|leadership|initiative)"
    r"\b",
    r"\b(?:that|it|this) (?:was|is) a (?:really |very )?(?:mature|brave|thoughtful|generous|smart|"
    r"wise|kind|strong|great|good|big|bold|professional|graceful|considerate) (?:way|thing|move|"
    r"call|choice|step|response)\b",
    r"\bsays a lot about you\b",
    r"\bcounts for (?:a lot|something|plenty)\b",
    r"^(?:and )?that matters\b",
    r"\bthat's (?:really |not )?(?:hard|easy|difficult) to do\b",
    r"\b(?:a )?(?:real |clear |good )?sign of (?:wanting|someone|real|growth|maturity|strength)\b",
    r"\byou(?:'re| are) putting (?:real|a lot of|so much|genuine) (?:effort|thought|care|work)\b",
    r"\b(?:that|this) (?:kind of|sort of)? ?(?:honesty|openness|persistence|care|effort) is a "
    r"(?:strength|gift|skill)\b",
    r"\byou(?:'ve| have) (?:really )?(?:stepped up|grown|kept going|not given up|held it together)"
    r"\b",
    r"\byou haven't given up\b",
    r"\byou(?:'re| are) (?:really |so |very |clearly )?(?:well prepared|well organised|well "
    r"organized|on top of (?:this|it|things)|taking (?:this|it) seriously|handling (?:this|it) "
    r"well)\b",
    r"\b(?:a lot of|real|such) (?:self-control|patience|courage|restraint|grace|maturity|care|"
    r"composure|discipline)\b",
)
SUMMARY = _rx(
    r"\b(?:let me|can i|could i|i(?:'d| would) like to|i want to|let's|i'll|i'm going to|"
    r"i'll just) (?:just |quickly |try to |briefly )?(?:summari[sz]e|sum (?:up|that up|it up|"
    r"this up)|recap|pull (?:that|this|it|some of this|a few things|it all|this all) together|"
    r"check (?:i've|i have|that i've|if i've|what i've|i) (?:got|understood|heard|understand)|"
    r"make sure i(?:'ve| have)? (?:got|understood|understand)|see if i(?:'ve| have)? (?:got|"
    r"understood|understand)|play (?:that|this|it) back|reflect back|"
    r"hold (?:it|this|that) (?:all )?together)\b",
    r"\b(?:quick|brief|short) (?:recap|summary)\b",
    r"\bhere's what i(?:'m| am| have|'ve) (?:hearing|heard)\b",
    r"\blet me (?:check|see if|make sure) i(?:'ve| have)? got (?:it|this|that|you)\b",
    r"\b(?:to|in|so to) (?:sum(?:marise|marize)? up|summari[sz]e|summary|recap)\b",
    r"\bso far,? (?:you(?:'ve| have)|we(?:'ve| have)|i(?:'ve| have) heard)\b",
    r"\b(?:putting|pulling) (?:it|this|that) (?:all )?together\b",
    r"\bif i(?:'ve| have) (?:got|understood|heard) (?:this|you|that|it|everything) "
    r"(?:right|correctly)\b",
    r"\bwhat i(?:'ve| have) heard (?:so far|is|you say)\b",
    r"\byou(?:'ve| have) (?:told me|mentioned|said|described|talked about) (?:a few|several|two|"
    r"three|four|some|a couple of) (?:things|reasons|ways|points|worries|concerns|pressures|"
    r"parts)\b",
)
REFLECTION = _starts(
    r"(?:it |that |this )?(?:sounds|seems|feels|looks) (?:to me )?(?:like|as if|as though)",
    r"(?:it |that |this |you )?(?:sounds|seems) (?:really |quite |pretty |so |very |a bit |"
    r"like a |kind of |sort of )?\w+",
    r"you(?:'re| are| were) (?:really |feeling|saying|telling me|wondering|thinking|worried|"
    r"concerned|frustrated|tired|exhausted|stuck|torn|caught|unsure|not sure|afraid|scared|"
    r"nervous|anxious|upset|angry|annoyed|disappointed|hoping|trying|struggling|finding|"
    r"carrying|juggling|doing|getting|starting|ready|determined|committed|proud|relieved|"
    r"happy|pleased|excited|keen|open|willing|hesitant|reluctant|weighing|questioning|"
    r"fed up|sick of|tired of|done with|at a loss|in a|on the|under|between|the one|left|"
    r"still|also|already|kind of|sort of|not|quite|pretty|very|so|a bit)",
    r"you (?:sound|seem|feel|felt|want|wanted|need|needed|wish|hope|think|thought|believe|"
    r"care|don't|didn't|do not|aren't|weren't|can't|couldn't|really|also|still|just|never|"
    r"always|may|might|kind of|sort of|see|saw|find|found|know|knew|like|liked|love|hate|miss|"
    r"worry|fear|expected|value|get|got|'d|would|enjoy|prefer|mean|have|had|'ve)\b",
    r"so (?:you|it's|it is|for you|part of you|on the one hand|the|what|that|this|now|even|"
    r"basically|really)",
    r"(?:what )?i(?:'m| am) hearing",
    r"i hear (?:that |you|how|a lot)",
    r"i (?:get|have) the (?:sense|feeling|impression)",
    r"i(?:'m| am)? (?:sense|sensing|getting a sense)",
    r"part of you",
    r"on (?:the )?one hand",
    r"for you,",
    r"(?:it's|it has been|it's been|this has been|that's been|that has been|this is|that's|it "
    r"was|that was|it must be|that must be|this must be|it must have been|that must have been)"
    r" (?:a |really |quite |so |very |pretty |a lot |such a |the )?\w+",
    r"i (?:guess|imagine|suspect|bet|wonder if) (?:that )?(?:you|it|this|that)",
    r"(?:your|the) (?:main |biggest |real )?(?:worry|concern|fear|hope|goal|priority|"
    r"frustration|sense|feeling|plan|thinking|idea|view|take|point|question|dilemma|challenge)",
    r"(?:a part of|some of) you",
    r"(?:no wonder|of course) (?:you|it|that)",
    r"you(?:'ve| have) (?!to\b|got to\b|gotta\b)\w+",
    r"(?:almost |kind of |sort of )?like (?:you|it's|a)",
    r"even though",
    r"(?:not|never) (?:knowing|sure|being)",
    r"you(?:'re| are) \w+ing\b",
)
# Wording that marks a reflection wherever it appears in the sentence.
STRONG_REFLECTION = _rx(
    r"\b(?:it |that |this )?(?:sounds|seems|feels) (?:to me )?(?:like|as if|as though)\b",
    r"\byou (?:sound|seem)\b",
    r"\bi (?:get|have) (?:the|a) (?:sense|feeling|impression)\b",
    r"\bi(?:'m| am) (?:hearing|sensing|getting a sense)\b",
    r"\bi hear (?:that |you |how |a lot)",
    r"\bi (?:can )?(?:see|sense) (?:a|some|how|that you)\b",
    r"\bpart of you\b",
    r"\bon (?:the )?one hand\b",
    r"\byou(?:'re| are)? (?:feeling|feel|felt)\b",
    r"\b(?:it's|is|that's|it is) (?:really |so |very )?important to you\b",
    r"\bmatters (?:a lot |so much )?to you\b",
    r"\b(?:feels|felt|feel) (?:like|as if|as though|safer|riskier|easier|harder|fragile|heavy|"
    r"heavier|lighter|bigger|smaller|worse|better|more \w+ than|less \w+ than|\w+er than)\b",
    r"\bhere's what i(?:'m| am) hearing\b",
)
# A statement of the learner's own information or concern: input, never a reflection.
INFORMATION = _rx(
    r"\bi (?:just )?(?:want|wanted|would like|'d like|need|have) to (?:let you know|share|tell "
    r"you|show you|explain|mention|point out|make sure|be honest|ask)\b",
    r"\bi(?:'m| am) (?:a little |a bit |really |quite |very |somewhat )?(?:concerned|worried) "
    r"(?:about|that|for)\b",
    r"\b(?:we|i) know (?:that )?(?:many|most|some|a lot|people|kids|students|employees|teams|"
    r"managers)\b",
    r"\b(?:research|studies|evidence|data|the numbers|statistics|surveys?) (?:shows?|suggests?|"
    r"says?|tells? us|indicates?)\b",
    r"\bthe (?:guidelines?|recommendations?|policy|rules?|limit|law|handbook|process|procedure|"
    r"contract|standard) (?:is|are|says?|states?|allows?|requires?|recommends?)\b",
    r"\b(?:it|this|that) (?:causes|can cause|increases|reduces|lowers|raises|will help|can help|"
    r"helps|is associated with|is linked to|puts you at)\b",
    r"\b(?:most|many|some|other) (?:people|employees|managers|teams|companies|clients|patients)"
    r" (?:find|say|tell me|report|struggle|feel|usually)\b",
    r"\byou(?:'re| are) (?:entitled|allowed|required|eligible|supposed)\b",
    r"\bthere(?:'s| is) (?:a lot of |some |good |strong |clear |plenty of )?(?:evidence|research)"
    r"\b",
    r"\b(?:one of the|the (?:main |biggest |real )?)(?:risks?|side effects?|dangers?|downsides?)"
    r" (?:of|is|are|with)\b",
    r"\bwe know (?:that |from )?(?:if|when|people|someone|most|many|teams|managers)\b",
    r"\b(?:is|are) (?:usually |often |generally )?(?:recommended|linked to|associated with)\b",
    # the learner's own agenda for the conversation: input, not a reflection of theirs
    r"\bmy (?:job|role|aim|goal|part) (?:here |today |in this )?is\b",
    r"\bi(?:'m| am) (?:just |really )?here to\b",
    r"\bwhat i(?:'d| would)? (?:like|want|wanted) to do (?:today |now |here )?is\b",
    r"\bi(?:'d| would) (?:like|love|want) to (?:help you|go over|go through|walk you through|"
    r"talk (?:about|with you about|to you about)|give you|explain)\b",
    r"\bi want to help you\b",
)
COMPLEX_MARKERS = _rx(
    r"\bpart of you\b",
    r"\bon (?:the )?(?:one|other) hand\b",
    r"\b(?:even though|and yet|but at the same time|at the same time|as much as|despite)\b",
    r"\b(?:as if|as though|almost like|a bit like|kind of like|like you're|like it's)\b",
    r"\b(?:matters|important|means a lot|meaningful) to you\b",
    r"\byou (?:value|care about|want to be|don't want to be|need to feel|want to feel)\b",
    r"\bi wonder if\b",
    r"\bunderneath\b",
    r"\b(?:no wonder|which is why|that's why)\b",
    r"\b(?:costing|weighing on|eating at|wearing you|taking a toll)\b",
)
_FEELING = re.compile(
    r"\b(?:afraid|angry|annoyed|anxious|ashamed|burnt out|burned out|confused|defeated|"
    r"demoralised|demoralized|disappointed|discouraged|drained|embarrassed|exhausted|frustrated|"
    r"guilty|helpless|hopeful|hurt|isolated|lonely|nervous|overwhelmed|proud|relieved|resentful|"
    r"sad|scared|stressed|stuck|torn|trapped|uncertain|undervalued|unappreciated|uneasy|unsure|"
    r"upset|worried|invisible|unseen|unheard|insecure|conflicted|fed up|betrayed|excluded|"
    r"pressured|hesitant|reluctant|ambivalent|tired|weary|excited|keen|determined)\b"
)
BACKCHANNEL = _word_set(
    """mm hmm mhm uh huh um uh ok okay yeah yes yep yup right sure alright all i see got it
    oh ah wow cool great good fine nice fair enough true indeed absolutely totally exactly
    definitely certainly gotcha understood sounds hi hello hey thanks thank you no sorry
    interesting really go on and so well then"""
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
    core = _PREAMBLE.sub("", core)
    if any(p.match(core) for p in (OPEN, CLOSED, WHY, LEADING)):
        return core
    for match in _CLAUSE_BREAK.finditer(core):
        rest = core[match.end() :]
        if _ASKS.match(rest) or _INVITATION.match(rest):
            return rest
    return core


_PREAMBLE = re.compile(
    r"^(?:(?:can|could|may) i ask (?:you )?(?:something|a question|this)?|let me ask (?:you )?"
    r"(?:something|a question|this)?|i(?:'m| am) (?:gonna|going to) ask (?:you )?(?:something|"
    r"a question|this|the question this way)?|(?:a|one) (?:quick )?question(?: for you)?|"
    r"in other words|i guess|i mean|you know|i suppose|out of curiosity|just out of curiosity|"
    r"just curious|quick question)\b[\s,.:;\-\u2013\u2014]*"
)
_CLAUSE_BREAK = re.compile(r"(?:,|;|:|--+|\u2014|\u2013| - )\s*(?:and |but |so |or |then )?")
# Advice phrased as a question: "Have you tried ...?", "What if you just ...?"
_SUGGESTION = _starts(
    r"(?:have|haven't) you (?:ever )?(?:thought about|considered|tried|thought of|looked into)",
    r"what if you (?:just |simply |maybe |were to )?\w+",
    r"(?:would|wouldn't) it (?:not )?(?:be )?(?:better|best|easier|smarter|wiser|simpler) (?:to|if"
    r" you)",
    r"(?:shouldn't|should) you (?:just |maybe |probably )?(?:talk|tell|ask|speak|go|take|email|"
    r"raise|push|say|book|escalate)",
)
_IN_SITU = re.compile(r"\b(how|what|why|when|where|who)\s*\?\s*$")
_SCALE = re.compile(
    r"\b(?:on a scale|scale of|(?:0|1|one|zero) (?:to|through) (?:10|ten)|out of (?:10|ten)|"
    r"what number)\b"
)
_INNER_QUESTION = re.compile(
    rf"(?:,|;| -|\u2014)?\s+(?:and|or|also)\s+(?:(?:what|how|why|where|who|when)\s+{_AUX}|"
    rf"{_AUX} (?:you|it|that|they|she|he|we|anyone|your|the))\b|[,;\u2014]\s+(?:what|how|why)\s+"
    rf"{_AUX}\b"
)
_INVITATION = re.compile(
    r"^(?:tell me|describe|(?:walk|talk|take) me through|say (?:a bit |a little |some )?more|"
    r"help me understand|share (?:a bit |a little |some )?more|give me (?:an|a|some) example|"
    r"i(?:'m| am) (?:curious|interested|wondering)|i wonder|i(?:'d| would) (?:love|like) to "
    r"(?:hear|know|understand))\b"
)
_INVERTED = re.compile(
    rf"^(?:(?:what|how|why|where|when|who|which)(?: \w+){{0,2}}(?:'s| {_AUX}\b)|{_FACT_HOW}\b|"
    rf"{_AUX} {_SUBJECT}\b)"
)
_ASKS = re.compile(
    rf"^(?:(?:what|how|why|where|when|who|which|whose)\b|{_AUX}n?'?t? (?:you|i|we|they|it|that|"
    r"there|this)\b)"
)


def read_question(sentence: str) -> QuestionRead | None:
    """The question in one sentence, or None when the sentence is not a question.

    A sentence counts as a question when it ends with "?", when it is an invitation to talk
    ("Tell me more about that."), or when its word order is inverted ("What happened then").
    """
    text = normalise_apostrophes(sentence).strip()
    core = core_form(text)
    has_mark = text.rstrip("\"') ]").endswith("?")
    if not has_mark and not (_INVITATION.match(core) or _INVERTED.match(core)):
        return None
    if not has_mark and core.startswith(("what i", "what you", "how you", "why i", "what we")):
        return None  # "What I'm hearing is ...", "What you need to do is ..."
    lowered = text.lower()
    if len([w for w in words(core) if w not in BACKCHANNEL]) == 0 and len(words(core)) <= 2:
        return QuestionRead(Form.BACKCHANNEL, reason="a one-word check-in")
    if CHECK.match(core):
        return QuestionRead(Form.CHECK, reason="checks that the reflection landed")
    if PERMISSION_ASK.search(core):
        return QuestionRead(Form.PERMISSION, reason="asks permission before offering an idea")
    inner = _interrogative_core(core)
    in_situ = _IN_SITU.search(core)
    if in_situ and not _ASKS.match(inner):
        inner = in_situ.group(1) + " " + inner  # "Tired how?" reads as "how ... tired"
    clauses = 1 + len(_INNER_QUESTION.findall(inner))
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
    if _SCALE.search(inner):
        return QuestionRead(Form.CLOSED, clauses=clauses, reason="asks for a number on a scale")
    if OPEN.match(inner):
        return QuestionRead(Form.OPEN, clauses=clauses, reason="invites a wide range of answers")
    if CLOSED.match(inner):
        return QuestionRead(
            Form.CLOSED, clauses=clauses, reason="can be answered with yes/no or a single fact"
        )
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
        request=bool(_REQUEST.search(lowered)),
    )


def is_backchannel(text: str) -> bool:
    """A turn made only of acknowledgements ("Mm-hmm. Okay.") carries no codable move."""
    found = words(text)
    return bool(found) and len(found) <= 6 and all(w in BACKCHANNEL for w in found)


def match_any(pattern: re.Pattern[str], sentence: str) -> bool:
    """The pattern anywhere in the sentence; "^" anchors also match after fillers ("Yeah, ...")."""
    lowered = normalise_apostrophes(sentence).lower()
    return bool(pattern.search(lowered) or pattern.search(core_form(sentence)))


def starts_like(pattern: re.Pattern[str], sentence: str) -> bool:
    """The pattern at the start, after fillers; also before a leading "so", which is itself
    a cue in some patterns ("So the client picked up on the gaps")."""
    if pattern.match(core_form(sentence)):
        return True
    lowered = _LEADING_FILLER.sub("", normalise_apostrophes(sentence).lower())
    return lowered.startswith("so ") and bool(pattern.match(lowered))


_LEADING_FILLER = re.compile(r"^(?:\W*(?:um+|uh+|mm+|mhm|okay|ok|right|yeah|and|well)\b[\s,.!-]*)*")


def feeling_words(text: str) -> int:
    return len(_FEELING.findall(normalise_apostrophes(text).lower()))
