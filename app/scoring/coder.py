"""Label every learner turn with its moves: rules first, the trained classifier where they stop.

The decision order, per turn:
1. Split into sentences; read each question's form with the rules (``rules.read_question``).
2. Find rule cues in each sentence: permission, advice, judgement, SBI parts, self-disclosure,
   affirmation, summary, information, and the wording of a reflection. A statement a rule has
   explained ("owned") is not a reflection.
3. Send the remaining statements (questions and owned sentences removed) to the classifier,
   which says how likely they are to be a reflection, an input, an affirmation or other, and how
   complex a reflection is. Turns with nothing left never reach the classifier.
4. Combine: reflective wording needs only a small probability, none needs a large one; a
   statement that repeats most of the peer's words is a simple reflection (an echo). Beside
   the learner's own agenda in the same turn (advice, feedback, praise, a judgement, their own
   information or plan) only strong reflective wording or an echo makes a reflection: "you"
   in a lecture ("You could get into a crash. The limit is 21.") is not a mirror.

Feedback versus reflection: feedback describes the other person's behaviour on an occasion
(a situation, or its impact, or a request, or "I noticed you ..."). An ongoing experience
("You've been carrying more than people see"), a recap of their story ("So you went to the
GP ...") or reflective wording ("You sound like you've stopped ...") is a reflection.

The conventions follow evals/gold/utterances.yaml (header) and are listed in
docs/scorecard-json.md. Thresholds are constants so the documentation can name them; they were
set on our own training lines and the gold dev half, and checked against AnnoMI dev.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from app.scoring import rules
from app.scoring.assessable import assess
from app.scoring.classifier import FunctionReader, Prediction, get_classifier
from app.scoring.language import (
    Sentence,
    content_stems,
    core_form,
    overlap,
    split_sentences,
    word_count,
)
from app.scoring.moves import (
    QUESTIONS,
    REFLECTIONS,
    CodedUtterance,
    MainBehaviour,
    Move,
    MoveEvidence,
    SbiPart,
)

PERMISSION_ASK_REASON = "asks permission before offering an idea or feedback"
CODER_NAME = "rehearse-coder"
CODER_VERSION = "1.10"

STRONG_CUE_FLOOR = 0.05  # "it sounds like ..." is a reflection unless clearly something else
# The with-cue, without-cue and affirmation bars were set on our corpus's dev split, for the head
# trained on its train split (AnnoMI plays no part).
REFLECTION_WITH_CUE = 0.20  # p(reflection) needed when the words open like a reflection
REFLECTION_WITHOUT_CUE = 0.30  # p(reflection) needed when nothing in the wording says so
# "No weekend since March?" is a reflection by MITI 4.2.1, but expert coders split on such lines,
# so a "?" asks a little more of the model. Calibrated on AnnoMI dev (our corpus's dev split is
# flat from 0.3 to 0.7): 0.3 recognises fewer of the experts' questions (0.84), 0.5 ranks their
# conversations worse by listening (AUC 0.75); 0.4 keeps both (0.86, 0.76).
RISING_REFLECTION = 0.40
# A rising "?" that shares no word with the peer and names no feeling ("You found us okay?")
# mostly asks for a fact. 0.6 set on AnnoMI dev (experts' questions recognised 0.85 -> 0.87)
# and our corpus train and dev splits (4 lines mended, 1 broken); 0.7 breaks as many as it mends.
NEW_FACT_REFLECTION = 0.60
TRAILING_OFF_MAX_WORDS = 4  # "That was the-" after a question: not yet a reflection
CONTINUED_REFLECTION = 0.25  # "-and that friendship mattered to you." picks up a sentence under way
ECHO_OVERLAP = 0.6  # share of content words taken from the peer's turn that makes an echo
CONTRADICTION_OVERLAP = 0.8  # nearly all their words, the polarity flipped: "It's a big deal."
CONTRADICTION_MAX_WORDS = 10
AFFIRMATION_WITHOUT_CUE = 0.50
# A statement no rule explains that the head reads as the learner's own input: facts or how
# something works, since advice, feedback and judgement have rules of their own (corpus dev).
INFORMATION_WITHOUT_CUE = 0.70
# In answer to their real question ("How long does the withdrawal last?") a statement that is
# not a reflection is the learner's own input already; the model only has to lean that way.
INFORMATION_IN_ANSWER = 0.50
INFORMATION_REASON = "gives facts or explains how something works"
COMPLEX_THRESHOLD = 0.5
# Words of information or advice, per word of the closing question or reflection, that make a
# turn mainly telling (CONVENTIONS.md; AnnoMI dev: at 2x and more, 17 such turns are the
# experts' input and 8 their question; below 2x their questions outnumber input).
LECTURE_BEFORE_QUESTION = 2.0
SUMMARY_MIN_ITEMS = 3  # "So X, Y, and Z": a list of at least this many of the peer's points

# A list opened by the learner's own voice or a condition is theirs, not a summary of the peer.
_OWN_LEAD = re.compile(
    r"^\W*(?:so|okay|right)\b[\W]*(?:(?:so|um|uh|you know|yeah|okay|now|then|really|and)\b\W*)*"
    r"(?:i|i'm|i'd|i've|i'll|my|we|we'll|we're|we've|let's|if|when i|when we)\b"
    r"(?!(?:'m| am) (?:thinking about how|hearing|noticing|picking up)| get (?:a|the) sense"
    r"| (?:hear|listen to) (?:all )?(?:that|this|you))"
)
# "you know", "you see" and "if / when you ..." are not about them; "I", "my", "we" or a suggestion
# ("you could ride your bike") make the list the learner's own, but "I hear" / "I notice"
# only frame what they heard.
_ASIDES = re.compile(
    r"\byou (?:know|see)\b|\b(?:if|when|whenever) you(?:'re)?\b[^,.;]*|\"[^\"]*\""
    r"|\bi(?:'m| am)? (?:hear(?:ing)?|notic(?:e|ing)|get (?:a|the) sense)\b"
)
_LEARNER_VOICE = re.compile(
    r"\b(?:i|i'd|i'll|i've|my|me|we|we'll|we've|we're|let's|us)\b"
    r"|\byou (?:could|should|need to|must|ought to)\b|\bmake sure\b"
)
_LIST_SPLIT = re.compile(r",\s*(?:and\s+|but\s+)?|;\s*|\s+and\s+(?=\w+\s+\w+)")
# Spoken fillers set off by commas ("So that it's likely you're drinking, you know, in quantities
# ...") are pauses, not items of a list.
_SPOKEN_FILLERS = re.compile(r"\b(?:you know|you see|i mean|um+|uh+|erm|er)\b")
_PAST_EVENT = re.compile(r"\b(?:\w+ed|came|went|took|left|got|sent|made|said|did|ran|spoke)\b")
_OWN_SUBJECT = re.compile(r"(?:i|i'm|i've|i'd|i'll|my)\b")
_FIRST_PERSON_NARRATIVE = re.compile(r"^(?:\W*)(?:i|i'm|i've|i'd|my|we|we're|we've|our)\b")
_NEGATION = re.compile(r"\b(?:not|no|never|nothing|nobody|none)\b|n't\b")
_ABOUT_YOU = re.compile(r"(?:(?:really|now|then|actually|basically)\W+)?you\b")
_BARE_YES = re.compile(r"(?:yes|yeah|yep|sure|absolutely|definitely|of course|okay|ok)[.!]*$")
_TELLS_THEM = re.compile(  # "You need to go home and ...": a directive, even after a summary
    r"(?:(?:so|and|but|now|well|okay)\W+)*you (?:really |just |definitely )?(?:need to|have to|"
    r"ought to|must|should|'ve got to|have got to)\b"
)
_PICKED_UP = re.compile(r"^\s*[-\u2013\u2014]+\s*\w")  # a transcript turn resumed mid-sentence
_INNER_STATE = re.compile(
    r"\b(?:wonder(?:ing)?|worried|worry(?:ing)?|not sure|unsure|afraid|scared|bracing|hoping|"
    r"wish(?:ing)?|want(?:ing|s)?|feel(?:ing|s)?|felt|think(?:ing)?|torn|doubt(?:ing)?|"
    r"(?:'d|would) (?:\w+ )?(?:like|prefer|rather))\b",
    re.IGNORECASE,
)
_OPINION = re.compile(
    r"\bi (?:think|believe|reckon|guess)\b|\bin my (?:view|opinion|experience)\b|\bpersonally\b"
)
_UNFINISHED = re.compile(r"(?:-|\u2013|\u2014)\s*$")
_QUOTED = re.compile(r"[\"\u201c]\w")  # you said "figure it out"
_SECOND_PERSON = re.compile(r"\byou(?:r|rs|'re|'ve|'d|rself)?\b")


_INPUT_MOVES = frozenset(
    {
        Move.PERMISSION_REQUEST,
        Move.ADVICE_WITH_PERMISSION,
        Move.ADVICE_WITHOUT_PERMISSION,
        Move.INFORMATION,
        Move.FEEDBACK,
        Move.JUDGEMENT,
        Move.SELF_DISCLOSURE,
    }
)
# Moves that explain a statement of the turn; a question beside the statement explains nothing
# of it ("The group meets on Tuesdays. Any questions?" still informs).
_TOLD = frozenset({Move.INFORMATION, Move.ADVICE_WITH_PERMISSION, Move.ADVICE_WITHOUT_PERMISSION})
_STATEMENT_MOVES = (
    frozenset(Move) - set(QUESTIONS) - {Move.STACKED_QUESTIONS, Move.PERMISSION_REQUEST}
)
# What a check question can check: "Is that right?" after a summary, "Does that make sense?"
# after the learner's own explanation or suggestion.
_CHECKED = (
    Move.SUMMARY,
    Move.INFORMATION,
    Move.ADVICE_WITHOUT_PERMISSION,
    Move.ADVICE_WITH_PERMISSION,
    Move.FEEDBACK,
)
# Moves that put the learner's own view or agenda in the turn. Beside them, a statement without
# strong reflective wording ("it sounds like", "part of you") or an echo of the peer's words is
# more likely part of that view (the reason for the advice, the context of the feedback) than a
# reflection, even when it talks about "you" ("You're not even 21. You need to stop.").
_OWN_AGENDA = (
    Move.FEEDBACK,
    Move.AFFIRMATION,
    Move.JUDGEMENT,
    Move.ADVICE_WITHOUT_PERMISSION,
    Move.ADVICE_WITH_PERMISSION,
)


@dataclass
class _TurnRead:
    """Everything the rules found in one turn, before the classifier is consulted."""

    text: str
    context: str | None
    questions: list[tuple[Sentence, rules.QuestionRead]] = field(default_factory=list)
    statements: list[Sentence] = field(default_factory=list)
    evidence: list[MoveEvidence] = field(default_factory=list)
    owned: set[int] = field(default_factory=set)  # statements a rule has already explained
    strong_cues: list[Sentence] = field(default_factory=list)  # "it sounds like", "part of you"
    reflection_cues: list[Sentence] = field(default_factory=list)  # opens like a reflection
    permission: Sentence | None = None  # asks permission or leaves the choice with them
    sbi: set[SbiPart] = field(default_factory=set)
    checks: list[Sentence] = field(
        default_factory=list
    )  # "Is that right?", "Does that make sense?"
    permission_asked: list[Sentence] = field(default_factory=list)  # "Would it help if I ...?"
    informs: bool = False  # some sentence gives the learner's information, plan or view
    feedback_open: bool = False  # the learner is in the middle of giving feedback
    turn_placed: bool = False  # some sentence of the turn names an impact or a request

    @property
    def statement_text(self) -> str:
        """What the classifier reads: statements no rule has explained, minus acknowledgements."""
        return " ".join(s.text for s in self.free_statements())

    def free_statements(self) -> list[Sentence]:
        return [
            s
            for i, s in enumerate(self.statements)
            if i not in self.owned and not rules.is_backchannel(s.text)
        ]

    def add(
        self,
        move: Move,
        sentence: Sentence,
        reason: str,
        source: str,
        probability: float | None = None,
    ) -> None:
        self.evidence.append(
            MoveEvidence(
                move=move, reason=reason, cue=sentence.text, source=source, probability=probability
            )
        )

    def has(self, move: Move) -> bool:
        return any(e.move is move for e in self.evidence)


def code_utterance(text: str, context: str | None = None) -> CodedUtterance:
    """Code one learner turn; ``context`` is what the other person said just before it."""
    return _code_cached(text, context)


def code_feedback_followup(text: str, context: str | None = None) -> CodedUtterance:
    """Code a turn that continues feedback the learner began in an earlier turn.

    Feedback often spreads over turns: the behaviour in one, the impact or the request after
    the other person replies. Here a sentence with any SBI part is feedback, and a request
    phrased as a question ("Would you be up for ...?") is the request, not a closed question.
    """
    return _code_cached(text, context, feedback_open=True)


@lru_cache(maxsize=4096)
def _code_cached(text: str, context: str | None, *, feedback_open: bool = False) -> CodedUtterance:
    return code_utterances([(text, context)], feedback_open=feedback_open)[0]


def code_utterances(
    items: Sequence[tuple[str, str | None]],
    *,
    feedback_open: bool = False,
    classifier: FunctionReader | None = None,
) -> list[CodedUtterance]:
    """Code many turns, embedding their statements in one batch.

    The embedding model gives bit-identical vectors for a sentence alone or in a batch (padding
    is masked; tests/scoring/test_coder.py checks it), and the heads read one row at a time, so
    a batch codes every turn exactly as coding it alone would; it is just faster.

    ``classifier`` replaces the shipped one, for evaluations that fit heads in memory (the
    AnnoMI cross-validation) or stand in a reference head (the experts' own functions); the
    product always uses the shipped weights.
    """
    abstain = {n: reason for n, (text, _) in enumerate(items) if (reason := assess(text))}
    reads = [
        _read(text, context, feedback_open=feedback_open)
        for n, (text, context) in enumerate(items)
        if n not in abstain
    ]
    classifier = classifier or get_classifier()
    asked = [read for read in reads if read.statement_text]
    found = classifier.predict([r.statement_text for r in asked], [r.context for r in asked])
    predictions = dict(zip((id(r) for r in asked), found, strict=True))
    decided = iter([_decide(read, predictions.get(id(read))) for read in reads])
    return [
        _not_assessable(text, abstain[n]) if n in abstain else next(decided)
        for n, (text, _) in enumerate(items)
    ]


def carried_on_telling(utterance: CodedUtterance) -> CodedUtterance:
    """The learner was telling them something, the other person only nodded ("Yeah."), and the
    learner went on: a statement here that only the classifier read as a reflection (no rule
    found reflective wording or an echo of theirs) continues the telling. Expert MI coders code it
    as the counsellor's information; crediting it as listening would reward a lecture."""
    mirrored = [e for e in utterance.evidence if e.move in REFLECTIONS]
    if any(e.source != "model" for e in mirrored) or utterance.has(*QUESTIONS):
        return utterance
    return utterance.relabelled(
        REFLECTIONS,
        Move.INFORMATION,
        "carries on what the learner was telling; the other person only nodded",
        source="rule:carries-on-telling",
        main=MainBehaviour.INPUT,
    )


def _not_assessable(text: str, reason: str) -> CodedUtterance:
    """A line with no English words to judge: labelled as such, never guessed at ("¿Cómo
    estás?" is not a closed question). Scorer and peer both leave it out."""
    return CodedUtterance(
        text=text,
        moves=(Move.OTHER,),
        evidence=(
            MoveEvidence(
                move=Move.OTHER, reason=f"not assessable ({reason})", source=f"rule:{reason}"
            ),
        ),
        assessable=False,
        not_assessable_reason=reason,
    )


def _read(text: str, context: str | None, *, feedback_open: bool = False) -> _TurnRead:
    read = _TurnRead(text=text, context=context, feedback_open=feedback_open)
    sentences = split_sentences(text)
    read.turn_placed = any(
        (found := rules.read_sbi(s.text)).impact or found.request for s in sentences
    )
    for sentence in sentences:
        question = rules.read_question(sentence.text)
        is_statement = question is None or question.form is rules.Form.RISING
        if is_statement:
            read.statements.append(sentence)
        if question is not None:
            read.questions.append((sentence, question))
        _read_cues(read, sentence, len(read.statements) - 1 if is_statement else None)
    return read


def _read_cues(read: _TurnRead, sentence: Sentence, index: int | None) -> None:
    """Rule cues in one sentence; ``index`` is its place among the statements, if it is one."""
    text = sentence.text
    this = set() if index is None else {index}
    if rules.match_any(rules.AUTONOMY, text):
        read.permission = read.permission or sentence
    sbi = rules.read_sbi(text)
    # A list of points is a summary of theirs unless it is the learner's own observation of
    # what they did somewhere ("In the crit, you rolled your eyes, ..., and she went quiet").
    # Nor is a list the learner gives when asked or let in ("Go on, then."), a list of facts, or
    # the learner's own plan ("So let me tell you what we'll do: ..., ..., and ...").
    listed = (
        _lists_their_points(text)
        and not (sbi.situation and sbi.behaviour)
        and not (_answers(read.context) or _let_in(read.context))
        and not rules.match_any(rules.INFORMATION, text)
        and not rules.match_any(rules.AGENDA, text)
        and not read.informs
    )
    summary = rules.match_any(rules.SUMMARY, text) or listed
    # The rest of a summary is part of it, unless it turns to telling them what to do ("...
    # and you know what you need to do. You need to go home and throw them out.")
    summed_up = read.has(Move.SUMMARY) and not _TELLS_THEM.match(rules.spoken_core(text))
    if index is not None and (summary or summed_up):
        if summary:
            read.add(
                Move.SUMMARY,
                sentence,
                "draws together several things the other person said",
                _rule(text, rules.SUMMARY, fallback="summary-lists-their-points"),
            )
        read.owned |= this
        return
    # Their own words said back ("You never get time to think." after "I never get time to
    # think.") are no label of the learner's, however the wording reads.
    judged = rules.match_any(rules.JUDGEMENT, text) and not _echoes(text, read.context)
    if judged:
        read.add(
            Move.JUDGEMENT,
            sentence,
            "labels the person or their work instead of describing it",
            _rule(text, rules.JUDGEMENT),
        )
        read.owned |= this
    continuing = read.feedback_open or read.has(Move.FEEDBACK)
    # Their own words said back ("Yeah, find the scissors." after "Find the scissors.") are
    # no instruction of the learner's.
    advising = index is not None and rules.advice_cue(text) and not _echoes(text, read.context)
    if advising:
        pass  # an instruction is advice even in the middle of feedback
    elif (
        index is not None
        and not sentence.is_question
        and _is_feedback(sbi, text, read.context, judged=judged, turn_placed=read.turn_placed)
    ):
        parts = _parts(sbi) | ({SbiPart.BEHAVIOUR} if judged else set())
        read.add(
            Move.FEEDBACK,
            sentence,
            _feedback_reason(parts),
            _rule(text, *_SBI_RULES, fallback="sbi-continued"),
        )
        read.sbi |= parts
        read.owned |= this
    elif continuing and sbi.count and (index is not None or sbi.request):
        # a question carries feedback on only as its request ("Could you send it first?"): "Why
        # can't you get it done on Monday?" names a day, not what they did there
        parts = _parts(sbi)
        if sbi.situation and _PAST_EVENT.search(text.lower()):
            parts.add(SbiPart.BEHAVIOUR)  # "In the last two sprints, the designs came late"
        if not read.has(Move.FEEDBACK):
            read.add(
                Move.FEEDBACK,
                sentence,
                _feedback_reason(parts),
                _rule(text, *_SBI_RULES, fallback="sbi-continued"),
            )
        read.sbi |= parts  # a later sentence completing the feedback ("Next time, ...")
        read.owned |= this
    if index is None:
        return
    if rules.match_any(rules.PERMISSION_ASK, text):
        read.permission = read.permission or sentence
        read.add(
            Move.PERMISSION_REQUEST,
            sentence,
            PERMISSION_ASK_REASON,
            _rule(text, rules.PERMISSION_ASK),
        )
        read.owned |= this
    elif advising:
        read.add(
            Move.ADVICE_WITHOUT_PERMISSION,
            sentence,
            "tells the other person what to do",
            _rule(text, rules.ADVICE, rules.IMPERATIVE),
        )
        read.owned |= this
    if _claim(read, sentence, this, Move.INFORMATION, INFORMATION_REASON, rules.INFORMATION):
        read.informs = True
    elif rules.match_any(rules.AGENDA, text):
        read.informs = True  # their own plan or view: no move, but never a reflection
        read.owned |= this
    disclosure = "talks about the learner's own experience"
    _claim(read, sentence, this, Move.SELF_DISCLOSURE, disclosure, rules.SELF_DISCLOSURE)
    strength = "names a strength or effort of the other person"
    _claim(read, sentence, this, Move.AFFIRMATION, strength, rules.AFFIRMATION)
    if index in read.owned:
        return
    strong = rules.first_match(rules.STRONG_REFLECTION, text)
    if strong and not _concludes_own_facts(read, strong, text):
        read.strong_cues.append(sentence)
    elif strong or rules.clause_starts_like(rules.REFLECTION, text):
        read.reflection_cues.append(sentence)


def _concludes_own_facts(read: _TurnRead, cue: str, text: str) -> bool:
    """A "So ..." after the learner's own facts that is about something else ("It can have a big
    impact on your liver. So along with your blood pressure, it wears ...") draws the learner's
    conclusion; "So you've been carrying this on your own." still says back theirs."""
    return (
        cue == "strong-so-about-them"
        and read.informs
        and not _ABOUT_YOU.match(rules.spoken_core(text))  # the core drops the "So"
    )


def _is_feedback(
    sbi: rules.SbiRead, text: str, context: str | None, *, judged: bool, turn_placed: bool
) -> bool:
    """Feedback describes what the other person did, and often where and with what effect.

    Behaviour placed in a situation, or with its impact or a request, or introduced as an
    observation ("I noticed you ..."), is feedback. Behaviour alone is feedback only when it is
    a discrete action that is news to the peer: not an echo of the peer's own story ("You
    apologised" after "I apologised to Lucas"), not an ongoing experience ("You've been carrying
    more than people see"), and not wrapped in reflective wording ("You sound like you've
    stopped expecting ..."), and not a recap of their story ("So you went to the GP and ...",
    "You said that ..."). Those are reflections. An ongoing behaviour is feedback when another
    sentence of the turn gives its impact or a request ("You've been sending requests at 11pm.
    I feel pressure to reply at night.").
    """
    placed = sbi.situation or sbi.impact or sbi.request
    narrated = bool(context and _FIRST_PERSON_NARRATIVE.match(context.strip().lower()))
    if judged:
        return placed and (sbi.behaviour or sbi.situation)
    if not sbi.behaviour:
        return sbi.situation and sbi.impact and not narrated
    observed = rules.match_any(rules.OBSERVATION, text)
    # what they said, said back, unless the turn gives its impact or quotes their words
    recap = rules.match_any(rules.RECAP, text) and not (
        sbi.impact or turn_placed or _QUOTED.search(text)
    )
    if not observed and (recap or rules.match_any(rules.STRONG_REFLECTION, text)):
        return False  # "So you went to the GP ...", "It sounds like you realised ..."
    if observed:
        return True
    if rules.match_any(rules.ONGOING, text):
        return turn_placed  # a time frame ("this week") alone does not make it an occasion
    if placed:
        return True
    return not narrated and overlap(text, context) < ECHO_OVERLAP


def _lists_their_points(text: str) -> bool:
    """A summary without a signpost: "So X, Y, and Z" about the other person."""
    lowered = text.lower().lstrip()
    if not lowered.startswith(("so ", "so,", "so:", "okay. ", "right. ")):
        return False
    if _OWN_LEAD.match(lowered):
        return False  # "So I think ...", "So if you ...": the learner's view or a hypothetical
    unpaused = _SPOKEN_FILLERS.sub(" ", lowered)
    items = [part for part in _LIST_SPLIT.split(unpaused) if word_count(part) >= 2]
    spoken = _ASIDES.sub(" ", lowered)
    return (
        len(items) >= SUMMARY_MIN_ITEMS
        and bool(re.search(r"\byou(?:r|'re|'ve|'d)?\b", spoken))
        and not (
            _LEARNER_VOICE.search(spoken) and not rules.starts_like(rules.STRONG_REFLECTION, text)
        )
    )


def _parts(sbi: rules.SbiRead) -> set[SbiPart]:
    flags = {
        SbiPart.SITUATION: sbi.situation,
        SbiPart.BEHAVIOUR: sbi.behaviour,
        SbiPart.IMPACT: sbi.impact,
        SbiPart.REQUEST: sbi.request,
    }
    return {part for part, present in flags.items() if present}


def _feedback_reason(parts: set[SbiPart]) -> str:
    present = [p.value for p in SbiPart if p in parts]
    return "describes what the other person did (SBI parts: " + ", ".join(present) + ")"


def _decide(read: _TurnRead, prediction: Prediction | None) -> CodedUtterance:
    p_reflection = prediction.function["reflection"] if prediction else 0.0
    reflected = _reflection_sentences(read, p_reflection)
    question_count = _add_questions(read, reflected)
    if reflected:
        complex_ = _is_complex(reflected, prediction)
        move = Move.COMPLEX_REFLECTION if complex_ else Move.SIMPLE_REFLECTION
        why = "adds meaning or feeling" if complex_ else "repeats or rephrases"
        read.add(
            move,
            reflected[0],
            f"mirrors the other person's experience; {why}",
            _reflection_source(read, reflected),
            round(p_reflection, 2),
        )
    if (
        prediction
        and not read.has(Move.AFFIRMATION)
        and not reflected
        and prediction.function["affirmation"] >= AFFIRMATION_WITHOUT_CUE
    ):
        read.add(
            Move.AFFIRMATION,
            read.free_statements()[0],
            "recognises their effort or strength",
            "model",
            round(prediction.function["affirmation"], 2),
        )
    _settle_permission(read)
    if (
        prediction
        and not reflected
        and not any(read.has(move) for move in _STATEMENT_MOVES)
        and prediction.function["input"]
        >= (INFORMATION_IN_ANSWER if _answers(read.context) else INFORMATION_WITHOUT_CUE)
    ):
        read.add(
            Move.INFORMATION,
            read.free_statements()[0],
            INFORMATION_REASON,
            "model",
            round(prediction.function["input"], 2),
        )
    if not (reflected or read.informs or any(read.has(move) for move in _CHECKED)):
        read.checks = []  # "Is that right?" alone checks nothing of theirs: a closed question
    moves = tuple(move for move in Move if read.has(move))
    if not moves:
        first = split_sentences(read.text)
        cue = first[0] if first else Sentence(read.text, 0, len(read.text))
        read.add(Move.OTHER, cue, "no listening, questioning or feedback move", "rule:no-move")
        moves = (Move.OTHER,)
    return CodedUtterance(
        text=read.text,
        moves=moves,
        sbi=tuple(p for p in SbiPart if p in read.sbi) if Move.FEEDBACK in moves else (),
        question_count=question_count,
        check_questions=len(read.checks),
        evidence=tuple(read.evidence),
        main=_main_behaviour(read),
    )


def _main_behaviour(read: _TurnRead) -> MainBehaviour:
    """What the turn is mainly for, as MITI and AnnoMI code one function per turn: of a
    question and a reflection, the one said last (a turn usually ends on its point), unless
    information or advice follows it and takes up more of the turn, or comes before it and is
    twice as long; else the learner's own input; else other. A statement after a question that
    only the classifier reads as a reflection goes on with the question.

    A permission request said as a question ("Would it help if I shared what we usually see?")
    is a question here, as in MITI 4.2.1, although it carries no question move (the rubrics count
    it as collaboration, not questioning). A check that the learner's words landed ("Is that
    right?", "Does that make sense?") is not: the metrics leave it out of the questions asked.
    """
    checks = {s.text for s in read.checks}
    permission_asked = {s.text for s in read.permission_asked}

    def last(moves: tuple[Move, ...]) -> int:
        spots = [
            read.text.find(e.cue or "")
            for e in read.evidence
            if (e.move in moves and e.cue not in checks)
            or (e.move is Move.PERMISSION_REQUEST and e.cue in permission_asked)
        ]
        return max(spots, default=-1)

    asked, reflected = last(QUESTIONS), last(REFLECTIONS)
    if 0 <= asked < reflected and not _worded_reflection_after(read, asked):
        reflected = -1  # "Which friends were those? I don't mean to pry, but ...": still asking
    if asked >= 0 or reflected >= 0:
        if _input_takes_over(read, max(asked, reflected)):
            return MainBehaviour.INPUT
        return MainBehaviour.QUESTION if asked >= reflected else MainBehaviour.REFLECTION
    if any(read.has(move) for move in _INPUT_MOVES):
        return MainBehaviour.INPUT
    return MainBehaviour.OTHER


def _worded_reflection_after(read: _TurnRead, asked_at: int) -> bool:
    """A reflection after the question that a rule recognised ("... It sounds like you're
    serious this time."), not only the classifier: a statement tacked onto a question with no
    reflective wording mostly goes on with the question (AnnoMI dev: 11 of 12 such turns are
    coded as questions by the experts)."""
    return any(
        e.move in REFLECTIONS and e.source != "model" and read.text.find(e.cue or "") > asked_at
        for e in read.evidence
    )


def _input_takes_over(read: _TurnRead, listening_at: int) -> bool:
    """Information or advice said after the question or reflection, and longer than it, is
    what the turn is for ("You sound surprised. But pets are a big trigger for asthma, and ...");
    so is telling at least twice as long before a closing question ("The limit is fourteen
    units a week, spread over ... What do you make of that?")."""
    told = [e for e in read.evidence if e.move in _TOLD and e.cue]
    if not told:
        return False
    listened = [e for e in read.evidence if e.move in QUESTIONS or e.move in REFLECTIONS]
    listened_words = sum(word_count(e.cue or "") for e in listened)
    if max(read.text.find(e.cue or "") for e in told) > listening_at:
        return sum(word_count(e.cue or "") for e in told) > listened_words
    permission_words = sum(
        word_count(e.cue or "") for e in read.evidence if e.move is Move.PERMISSION_REQUEST
    )
    lectured = sum(word_count(e.cue or "") for e in told)
    return lectured >= LECTURE_BEFORE_QUESTION * (listened_words + permission_words)


def _reflection_sentences(read: _TurnRead, p_reflection: float) -> list[Sentence]:
    """Statements that mirror the other person, given the cue words and the classifier.

    A statement said with a question mark ("No proper weekend since March?") is a reflection
    with reflective wording, an echo of the peer, or a fair probability; otherwise it is a
    closed question.
    """
    asked = any(q.form is not rules.Form.RISING for _, q in read.questions)
    free = [
        s
        for s in read.free_statements()
        if not _contradicts(s.text, read.context)
        and not _own_opinion(s.text)
        and not (asked and _trailing_off(s.text))
    ]
    if not free:
        return []
    if word_count(" ".join(s.text for s in free)) < 2:
        # One word of theirs said back ("Security." after "Security, mostly.") is a simple
        # reflection, as in MITI; any other single word is too little to judge.
        return [s for s in free if _repeats(s.text, read.context)] if not read.questions else []
    rising = {s for s, q in read.questions if q.form is rules.Form.RISING}
    free = [
        s for s in free if not (s in rising and _asks_new_fact(s.text, read.context, p_reflection))
    ]
    if not free:
        return []
    strong = [s for s in read.strong_cues if s in free]
    if strong and p_reflection >= STRONG_CUE_FLOOR:
        return strong
    # contradictions are out; one word of theirs inside a longer turn ("Citalopram, okay." before
    # an explanation of the drug) is an acknowledgement, not a reflection; nor is an echo in the
    # learner's own voice, or a plain statement answering their question ("It's one drink an
    # hour." after "Two or three an hour, is that it?")
    echoes = [
        s
        for s in free
        if _repeats(s.text, read.context)
        and (len(content_stems(s.text)) > 1 or len(free) == 1)
        and not _speaks_for_self(s.text)
    ]
    if echoes and _answers(read.context):
        echoes = [s for s in echoes if s in rising]
    if echoes:
        return echoes
    if read.informs or any(read.has(move) for move in _OWN_AGENDA):
        return []  # beside information, feedback, praise or advice: only strong wording or an echo
    if _answers(read.context):  # "Is that mad?" - "You're wondering whether it's too late."
        # names their state; "You can, yes." or "You were careless." answers with input
        free = [s for s in free if rules.feeling_words(s.text) or _INNER_STATE.search(s.text)]
        if not free:
            return []
    cued = [s for s in read.reflection_cues if s in free]
    floor = RISING_REFLECTION if set(cued) <= rising else REFLECTION_WITH_CUE
    if cued and p_reflection >= floor:
        return cued
    threshold = RISING_REFLECTION if all(s in rising for s in free) else REFLECTION_WITHOUT_CUE
    if _PICKED_UP.match(read.text) and _SECOND_PERSON.search(read.statement_text.lower()):
        threshold = min(threshold, CONTINUED_REFLECTION)
    return free if p_reflection >= threshold else []


def _trailing_off(text: str) -> bool:
    """A few words left unfinished ("That was the-"): after a question, no reflection yet."""
    return bool(_UNFINISHED.search(text)) and word_count(text) <= TRAILING_OFF_MAX_WORDS


def _own_opinion(text: str) -> bool:
    """The learner's view about no one in particular ("Like, that's the, I think, thing to
    really consider."): theirs, not a mirror; "I think you've been carrying too much" is one."""
    lowered = text.lower()
    return bool(_OPINION.search(lowered)) and not _SECOND_PERSON.search(lowered)


def _asks_new_fact(text: str, context: str | None, p_reflection: float) -> bool:
    """Said with a "?", none of the peer's words and no feeling of theirs ("You found us
    okay?"): it asks for a new fact, a closed question as MITI codes one that seeks
    information, unless the model is fairly sure it mirrors them."""
    return (
        p_reflection < NEW_FACT_REFLECTION
        and overlap(text, context) == 0.0
        and not rules.feeling_words(text)
        and not _INNER_STATE.search(text)
        and not rules.match_any(rules.STRONG_REFLECTION, text)
    )


def _answers(context: str | None) -> bool:
    """The peer's last sentence asks a real question ("How long does the withdrawal last?"):
    what follows is the learner's answer, their own input, unless it is worded as a
    reflection ("You're wondering whether it's too late.")."""
    said = split_sentences(context) if context else []
    if not said or "?" not in said[-1].text:
        return False  # "Which is maybe the problem." reads like a question but is not one
    asked = rules.read_question(said[-1].text)
    return asked is not None and asked.form in (rules.Form.OPEN, rules.Form.CLOSED)


def _speaks_for_self(text: str) -> bool:
    """The learner's own "I" ("I don't know what pickleball is.", "Nice to meet you, too."):
    their words taken up to talk about themselves, which mirrors nothing."""
    core = core_form(text)
    return bool(_OWN_SUBJECT.match(core)) or core.startswith("nice to meet you")


def _repeats(text: str, context: str | None) -> bool:
    return overlap(text, context) >= ECHO_OVERLAP


def _echoes(text: str, context: str | None) -> bool:
    """Repeats most of the peer's words, and keeps what they meant."""
    return _repeats(text, context) and not _contradicts(text, context)


def _contradicts(text: str, context: str | None) -> bool:
    """Takes most of the peer's words to say the opposite ("It's a big deal." after "It wasn't
    that big of a deal."): disagreement, never a reflection, however reflective it sounds."""
    if not context or word_count(text) > CONTRADICTION_MAX_WORDS:
        return False  # a longer line adds its own meaning ("... because asking felt risky")
    if overlap(text, context) < CONTRADICTION_OVERLAP:
        return False
    closest = max(split_sentences(context), key=lambda s: overlap(text, s.text), default=None)
    said = closest.text if closest else context
    return bool(_NEGATION.search(text.lower())) != bool(_NEGATION.search(said.lower()))


def _add_questions(read: _TurnRead, reflected: list[Sentence]) -> int:
    """Add question moves; return how many separate questions the turn asks.

    Every question carries its form (open or closed); why- and leading questions carry their
    form as well. A polite request inside feedback ("Could you send the agenda first?") is the
    request part of SBI, not a question.
    """
    count = 0
    asked: list[Sentence] = []
    for sentence, question in read.questions:
        if not _counts_as_question(read, sentence, question, reflected):
            continue
        count += question.clauses
        asked.append(sentence)
        if question.form is rules.Form.CHECK:
            read.checks.append(sentence)
        source = f"rule:question-{question.form.value}"
        if question.why:
            read.add(Move.WHY_QUESTION, sentence, question.reason, "rule:question-why")
        if question.leading:
            read.add(Move.LEADING_QUESTION, sentence, question.reason, "rule:question-leading")
        if question.advice:
            read.add(
                Move.ADVICE_WITHOUT_PERMISSION, sentence, question.reason, "rule:question-advice"
            )
        if question.form is rules.Form.OPEN:
            read.add(Move.OPEN_QUESTION, sentence, question.reason, source)
        else:
            reason = (
                "can be answered yes or no"
                if question.form is rules.Form.RISING
                else (question.reason)
            )
            read.add(Move.CLOSED_QUESTION, sentence, reason, source)
    if count >= 2:
        cue = asked[1] if len(asked) > 1 else asked[0]
        read.add(
            Move.STACKED_QUESTIONS,
            cue,
            f"asks {count} questions in one turn",
            "rule:question-count",
        )
    return count


def _counts_as_question(
    read: _TurnRead, sentence: Sentence, question: rules.QuestionRead, reflected: list[Sentence]
) -> bool:
    form = question.form
    if form is rules.Form.PERMISSION:
        read.permission_asked.append(sentence)
        read.permission = read.permission or sentence
        read.add(
            Move.PERMISSION_REQUEST, sentence, PERMISSION_ASK_REASON, "rule:question-permission"
        )
        return False
    if form is rules.Form.BACKCHANNEL:
        return False
    if form is rules.Form.RISING and (reflected or read.has(Move.SUMMARY)):
        return False  # "So you've tried twice, and now you're not sure you can do it again?"
    in_feedback = read.feedback_open or read.has(Move.FEEDBACK)
    return not (in_feedback and rules.read_sbi(sentence.text).request)


def _claim(
    read: _TurnRead,
    sentence: Sentence,
    this: set[int],
    move: Move,
    reason: str,
    lexicon: re.Pattern[str],
) -> bool:
    """Label the statement with ``move`` when an entry of ``lexicon`` fires on it; a statement
    a rule has explained is no longer a reflection candidate."""
    found = rules.first_match(lexicon, sentence.text)
    if found is None:
        return False
    read.add(move, sentence, reason, f"rule:{found}")
    read.owned |= this
    return True


# The SBI entry that made a sentence feedback, the observation or behaviour first.
_SBI_RULES = ("observation", "sbi-behaviour", "sbi-situation", "sbi-impact", "sbi-request")


def _rule(text: str, *lexicons: str | re.Pattern[str], fallback: str | None = None) -> str:
    """``rule:<entry id>`` for the first of ``lexicons`` with an entry that fires on ``text``;
    ``fallback`` (else the first lexicon's name) names a rule that goes beyond one entry."""
    for lexicon in lexicons:
        if found := rules.first_match(lexicon, text):
            return f"rule:{found}"
    return f"rule:{fallback or rules.lexicon(lexicons[0]).name}"


def _reflection_source(read: _TurnRead, reflected: list[Sentence]) -> str:
    """What made the reflection: reflective wording (with the model's assent), an echo of the
    peer's words, or the model's probability alone."""
    if reflected[0] in read.strong_cues:
        return _rule(reflected[0].text, rules.STRONG_REFLECTION)
    if _echoes(reflected[0].text, read.context):
        return "rule:echo"
    return "model"


def _is_complex(reflected: list[Sentence], prediction: Prediction | None) -> bool:
    if any(rules.match_any(rules.COMPLEX_MARKERS, s.text) for s in reflected):
        return True
    return prediction is not None and prediction.complex >= COMPLEX_THRESHOLD


def _settle_permission(read: _TurnRead) -> None:
    """Advice has permission when this turn asks or leaves the choice to them, or they asked."""
    granted = _granted(read.context)
    if read.permission is None and not granted:
        return
    reason = "offers an idea they asked for" if granted else "offers an idea and leaves the choice"
    read.evidence = [
        e.model_copy(update={"move": Move.ADVICE_WITH_PERMISSION, "reason": reason})
        if e.move is Move.ADVICE_WITHOUT_PERMISSION
        else e
        for e in read.evidence
    ]


def _let_in(context: str | None) -> bool:
    """The peer let the learner speak: a yes to hearing an idea, or a bare "Sure." (after which
    a list is the learner's own explanation, not a summary of theirs). A bare yes grants no
    permission for advice on its own: only the learner's request before it can show that."""
    return _granted(context) or bool(context and _BARE_YES.match(context.strip().lower()))


def _granted(context: str | None) -> bool:
    """The peer asked for the learner's idea or said yes to it ("Go on, then.")."""
    return bool(
        context
        and rules.match_any(rules.PERMISSION_GRANTED, context)
        and not rules.match_any(rules.REFUSAL, context)
    )
