"""Session metrics computed from coded turns: the numbers a rubric criterion turns into a level.

Each metric is a pure function of the coded session and says, besides its value, which turns
support it and which pull it down, so the scorecard can quote evidence and pick a line to
rewrite. A metric with nothing to measure (no questions asked, no feedback given) returns
``value=None``: "not observed" is reported, never a made-up level.

Counting conventions (documented in docs/scorecard-json.md):
- Questions are counted per question sentence for %OQ and per turn for R:Q (a turn with three
  stacked questions is one questioning turn; stacking has its own criterion).
- A check that a reflection landed ("Is that right?") belongs to the reflection (ICF PCC 6.7)
  and is not counted as a closed question in R:Q or %OQ, though the coder labels its form.
- A summary counts as a complex reflection (MITI 4.2.1 codes summaries as reflections).
- Lines the coder cannot assess (gibberish, no words, another language) are left out of every
  metric; reflection-shaped lines that do not relate to what the other person said, or repeat
  an earlier reflection, lose their reflection label before any metric sees them; questions
  flagged off-topic still count as questions asked but never as open ones (scorecard.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from app.conversation import TranscriptTurn
from app.scoring.language import content_stems, word_count
from app.scoring.moves import QUESTIONS, REFLECTIONS, CodedUtterance, Move

ADVICE = (Move.ADVICE_WITH_PERMISSION, Move.ADVICE_WITHOUT_PERMISSION)
FEEDBACKISH = (Move.FEEDBACK, Move.JUDGEMENT)
QUESTION_FORMS = (Move.OPEN_QUESTION, Move.CLOSED_QUESTION)


class FlagKind(StrEnum):
    """Why a learner line earned nothing, or pulled every skill down."""

    NOT_ASSESSABLE = "not_assessable"  # gibberish, no words, another language
    UNRELATED_REFLECTION = "unrelated_reflection"  # reflection-shaped, not about what they said
    REPEATED_REFLECTION = "repeated_reflection"  # the same reflection again
    OFF_TOPIC_QUESTION = "off_topic_question"  # a question about nothing they said
    THREAT = "threat"
    ACCUSATION = "accusation"


@dataclass(frozen=True)
class CodedTurn:
    """A learner turn, its coding, and what the other person said just before it.

    ``flags`` are the scorecard's findings about the line beyond its moves (see FlagKind).
    """

    turn: TranscriptTurn
    coded: CodedUtterance
    context: str | None
    flags: frozenset[FlagKind] = frozenset()
    hollow: tuple[str, ...] = ()  # reflection sentences that earned nothing (see flags)


@dataclass(frozen=True)
class Session:
    """The whole transcript plus the coded learner turns, in order.

    ``learner`` holds only assessable turns; ``excluded`` the ones left out of every metric.
    """

    turns: tuple[TranscriptTurn, ...]
    learner: tuple[CodedTurn, ...]
    excluded: tuple[CodedTurn, ...] = ()


@dataclass(frozen=True)
class MetricResult:
    """A metric's value, or None when there was nothing to measure, with the turns behind it."""

    value: float | None
    numerator: float = 0.0
    denominator: float = 0.0
    note: str = ""
    good_turns: tuple[int, ...] = ()  # turns that raise the value (or keep it healthy)
    weak_turns: tuple[int, ...] = ()  # turns that pull it the wrong way
    instances: int = 0  # how many times the behaviour the criterion rewards was seen

    @property
    def observed(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class MetricSpec:
    """A metric the rubrics may name: how to compute it, how to show it, which moves it reads."""

    name: str
    description: str
    unit: str  # "ratio", "share" (0..1, shown as %), "count"
    compute: Callable[[Session], MetricResult] = field(repr=False)
    good_moves: tuple[Move, ...] = ()  # what evidence for the criterion quotes in good turns
    weak_moves: tuple[Move, ...] = ()  # ... and in weak turns
    explain: Callable[[MetricResult], str] | None = field(default=None, repr=False)

    def plain(self, result: MetricResult) -> str:
        """The value in plain words, from the counts behind it, with the benchmark."""
        if result.value is None:
            return f"Not observed: {result.note}."
        if self.explain is None:
            return f"{result.note[:1].upper()}{result.note[1:]}."
        return self.explain(result)

    def display(self, result: MetricResult) -> str:
        if result.value is None:
            return "not observed"
        if self.unit == "share":
            return f"{result.value:.0%}"
        if self.unit == "ratio":
            return f"{result.value:.1f} : 1"
        return f"{result.value:g}"


# Hostility the coder has no move for. A threat escalates against the other person in the
# first person ("I'll take this to HR", "or else"); advice to go to HR is not a threat.
THREAT = re.compile(
    r"\b(?:or else|or i(?:'ll| will)\b|i(?:'ll| will|'m going to|'m gonna| am going to) "
    r"(?:go(?:ing)? (?:straight )?to|take (?:this|it) to|report (?:you|this|it)|escalate|"
    r"raise (?:this|it) with|put (?:this|it) in writing|make (?:this|it) formal)|"
    r"i'?m (?:going|taking this|taking it) (?:straight )?to (?:hr|human resources|your manager|"
    r"management)|(?:you'll|you will) regret|disciplinary|formal warning|get you (?:fired|sacked)|"
    r"lose your job|(?:there will|there'll) be consequences)",
    re.IGNORECASE,
)
ACCUSATION = re.compile(
    r"\b(?:you(?:'re| are) (?:always|constantly|forever)\b|you (?:always|never) |"
    r"(?:it's|that's|this is|it is) (?:all |entirely )?your (?:fault|problem)|you lied|"
    r"you(?:'re| are) lying|you don't (?:even )?care|(?:what's|what is) wrong with you|"
    r"you(?:'re| are) (?:so |just |being )?(?:lazy|useless|selfish|rude|incompetent|careless|"
    r"unprofessional|hopeless|difficult|arrogant|dramatic)|your attitude (?:is|needs|has to))",
    re.IGNORECASE,
)
HOSTILE_MOVES = (Move.JUDGEMENT,)


def hostility_flags(text: str) -> frozenset[FlagKind]:
    """Threats and accusations in a line, which pull every skill down (see hostility)."""
    found = set()
    if THREAT.search(text):
        found.add(FlagKind.THREAT)
    if ACCUSATION.search(text):
        found.add(FlagKind.ACCUSATION)
    return frozenset(found)


def _asks_their_view(turn: CodedTurn) -> bool:
    why = {e.cue for e in turn.coded.evidence if e.move is Move.WHY_QUESTION}
    return any(e.move is Move.OPEN_QUESTION and e.cue not in why for e in turn.coded.evidence)


def _hostile(turn: CodedTurn) -> bool:
    return turn.coded.has(*HOSTILE_MOVES) or bool(
        turn.flags & {FlagKind.THREAT, FlagKind.ACCUSATION}
    )


def hostility(session: Session) -> MetricResult:
    """Judgement, accusations, threats and "why" grilling per learner turn.

    A judging or accusing turn counts 1, a threat 2, and "why" questions 0.5 each once there
    are two or more of them (one "why" is a habit; a run of them is grilling). The scorecard
    caps every skill by this value (``HOSTILITY_SLOPE``), and any threat caps it at level 2.
    """
    if not session.learner:
        return MetricResult(None, note="no learner turns")
    whys = [t for t in session.learner if t.coded.has(Move.WHY_QUESTION)]
    weight = 0.0
    hostile: list[CodedTurn] = []
    for t in session.learner:
        turn_weight = 2.0 if FlagKind.THREAT in t.flags else 1.0 if _hostile(t) else 0.0
        if len(whys) >= 2 and t in whys:
            turn_weight += 0.5
        if turn_weight:
            hostile.append(t)
        weight += turn_weight
    parts = []
    judged = sum(1 for t in session.learner if t.coded.has(*HOSTILE_MOVES))
    accused = sum(1 for t in session.learner if FlagKind.ACCUSATION in t.flags)
    threats = sum(1 for t in session.learner if FlagKind.THREAT in t.flags)
    for n, what in ((judged, "judgement"), (accused, "accusation"), (threats, "threat")):
        if n:
            parts.append(f"{n} {what}{'s' if n > 1 else ''}")
    if len(whys) >= 2:
        parts.append(f"{len(whys)} 'why' questions")
    note = ", ".join(parts) if parts else "no judgement, accusation, threat or 'why' grilling"
    calm = [t for t in session.learner if t not in hostile]
    return MetricResult(
        weight / len(session.learner),
        weight,
        len(session.learner),
        note,
        _indexes(calm),
        _indexes(hostile),
        instances=len(hostile),
    )


def _turns_with(session: Session, *moves: Move) -> list[CodedTurn]:
    return [t for t in session.learner if t.coded.has(*moves)]


def _asks(turn: CodedTurn) -> bool:
    """A turn asks a real question: not only a check that a reflection landed."""
    return turn.coded.has(*QUESTIONS) and _question_sentences(turn) > turn.coded.check_questions


def _question_sentences(turn: CodedTurn) -> int:
    """Question sentences in a turn: every question carries exactly one form label."""
    return sum(1 for e in turn.coded.evidence if e.move in QUESTION_FORMS)


def _indexes(turns: list[CodedTurn]) -> tuple[int, ...]:
    return tuple(t.turn.index for t in turns)


def reflection_to_question_ratio(session: Session) -> MetricResult:
    reflecting = _turns_with(session, *REFLECTIONS)
    asking = [t for t in session.learner if _asks(t)]
    if not reflecting and not asking:
        return MetricResult(None, note="no reflections or questions")
    value = len(reflecting) / max(len(asking), 1)
    note = f"{len(reflecting)} reflecting turns, {len(asking)} questioning turns"
    if not asking:
        note += " (no questions: the ratio is the number of reflections)"
    weak = [t for t in asking if not t.coded.has(*REFLECTIONS)]
    return MetricResult(
        value,
        len(reflecting),
        len(asking),
        note,
        _indexes(reflecting),
        _indexes(weak),
        instances=len(reflecting),
    )


def reflection_share(session: Session) -> MetricResult:
    """Share of the learner's turns that reflect: quantity, beside R:Q's proportion.

    One good reflection in twelve turns of "okay" has a fine R:Q (no questions) but is not
    reflective listening; this is the count that says so.
    """
    if not session.learner:
        return MetricResult(None, note="no learner turns")
    reflecting = _turns_with(session, *REFLECTIONS)
    others = [t for t in session.learner if t not in reflecting]
    return MetricResult(
        len(reflecting) / len(session.learner),
        len(reflecting),
        len(session.learner),
        f"{len(reflecting)} of {len(session.learner)} turns reflect",
        _indexes(reflecting),
        _indexes(others),
        instances=len(reflecting),
    )


def pct_open_questions(session: Session) -> MetricResult:
    open_turns, closed_turns = [], []
    opened = closed = 0
    for t in session.learner:
        n_open = sum(1 for e in t.coded.evidence if e.move is Move.OPEN_QUESTION)
        n_closed = sum(1 for e in t.coded.evidence if e.move is Move.CLOSED_QUESTION)
        n_closed -= min(n_closed, t.coded.check_questions)
        if FlagKind.OFF_TOPIC_QUESTION in t.flags or _hostile(t):
            n_open, n_closed = 0, n_open + n_closed  # asked, but earns no credit as open
        opened, closed = opened + n_open, closed + n_closed
        if n_open:
            open_turns.append(t)
        if n_closed:
            closed_turns.append(t)
    if not opened + closed:
        return MetricResult(None, note="no questions asked")
    return MetricResult(
        opened / (opened + closed),
        opened,
        opened + closed,
        f"{opened} open of {opened + closed} questions",
        _indexes(open_turns),
        _indexes(closed_turns),
        instances=opened,
    )


def pct_complex_reflections(session: Session) -> MetricResult:
    reflecting = _turns_with(session, *REFLECTIONS)
    if not reflecting:
        return MetricResult(None, note="no reflections")
    deep = _turns_with(session, Move.COMPLEX_REFLECTION)
    simple = [t for t in reflecting if t not in deep]
    return MetricResult(
        len(deep) / len(reflecting),
        len(deep),
        len(reflecting),
        f"{len(deep)} complex (summaries included) of {len(reflecting)}",
        _indexes(deep),
        _indexes(simple),
        instances=len(deep),
    )


def learner_talk_share(session: Session) -> MetricResult:
    learner_words = sum(word_count(t.text) for t in session.turns if t.is_learner)
    other_words = sum(word_count(t.text) for t in session.turns if not t.is_learner)
    if not other_words or not learner_words:
        return MetricResult(None, note="needs words from both people")
    longest = sorted(session.learner, key=lambda t: (-word_count(t.turn.text), t.turn.index))
    total = learner_words + other_words
    return MetricResult(
        learner_words / total,
        learner_words,
        total,
        f"{learner_words} of {total} words",
        (),
        _indexes(longest[:1]),
    )


def _share_of_questions(session: Session, move: Move, what: str) -> MetricResult:
    asking = [t for t in session.learner if _asks(t)]
    if not asking:
        return MetricResult(None, note="no questions asked")
    hit = [t for t in asking if t.coded.has(move)]
    clean = [t for t in asking if not t.coded.has(move)]
    return MetricResult(
        len(hit) / len(asking),
        len(hit),
        len(asking),
        f"{len(hit)} of {len(asking)} questioning turns {what}",
        _indexes(clean),
        _indexes(hit),
    )


def stacked_question_share(session: Session) -> MetricResult:
    return _share_of_questions(session, Move.STACKED_QUESTIONS, "ask several questions at once")


def why_question_share(session: Session) -> MetricResult:
    return _share_of_questions(session, Move.WHY_QUESTION, "ask 'why'")


def leading_question_share(session: Session) -> MetricResult:
    return _share_of_questions(session, Move.LEADING_QUESTION, "suggest their own answer")


def advice_before_understanding(session: Session) -> MetricResult:
    """Advice given before the learner has reflected once: unsolicited counts 1, asked 0.5."""
    if not session.learner:
        return MetricResult(None, note="no learner turns")
    early: list[CodedTurn] = []
    for t in session.learner:
        if t.coded.has(*REFLECTIONS):
            break
        if t.coded.has(*ADVICE):
            early.append(t)
    value = sum(1.0 if t.coded.has(Move.ADVICE_WITHOUT_PERMISSION) else 0.5 for t in early)
    reflected = _turns_with(session, *REFLECTIONS)
    note = (
        f"{len(early)} advice turns before the first reflection"
        if early
        else ("no advice before the first reflection")
    )
    return MetricResult(
        value, value, len(session.learner), note, _indexes(reflected[:1]), _indexes(early)
    )


def advice_share(session: Session) -> MetricResult:
    """How much of the learner's talk is fixing: advice turns per learner turn, unasked advice
    counting 1 and advice given with permission 0.5 (MITI 4.2.1 "persuade" vs "persuade with
    permission"). Where ``advice_before_understanding`` asks whether advice waited, this asks
    how much of the conversation became advice at all."""
    if not session.learner:
        return MetricResult(None, note="no learner turns")
    advising = [t for t in session.learner if _gives_advice(t)]
    unasked = [t for t in advising if t.coded.has(Move.ADVICE_WITHOUT_PERMISSION)]
    weight = len(unasked) + 0.5 * (len(advising) - len(unasked))
    listening = [t for t in session.learner if not _gives_advice(t)]
    return MetricResult(
        weight / len(session.learner),
        weight,
        len(session.learner),
        f"{len(advising)} of {len(session.learner)} turns give advice ({len(unasked)} unasked)",
        _indexes(listening),
        _indexes(unasked or advising),
    )


def builds_on_their_words(session: Session) -> MetricResult:
    """Share of questions and reflections that pick up a word the other person just used."""
    listening = [t for t in session.learner if t.context and t.coded.has(*REFLECTIONS, *QUESTIONS)]
    if not listening:
        return MetricResult(None, note="no questions or reflections after the other person spoke")
    built = [t for t in listening if content_stems(t.turn.text) & content_stems(t.context or "")]
    missed = [t for t in listening if t not in built]
    return MetricResult(
        len(built) / len(listening),
        len(built),
        len(listening),
        f"{len(built)} of {len(listening)} pick up their words",
        _indexes(built),
        _indexes(missed),
    )


def _feedback_turns(session: Session) -> list[CodedTurn]:
    return _turns_with(session, *FEEDBACKISH)


def sbi_completeness(session: Session) -> MetricResult:
    """SBI parts (situation, behaviour, impact, request) present across the feedback given."""
    giving = _feedback_turns(session)
    if not giving:
        return MetricResult(None, note="no feedback given")
    parts = {part for t in giving for part in t.coded.sbi}
    named = ", ".join(sorted(p.value for p in parts)) or "none"
    incomplete = [t for t in giving if len(t.coded.sbi) < 4]
    return MetricResult(
        len(parts) / 4,
        len(parts),
        4,
        f"parts present: {named}",
        _indexes([t for t in giving if t not in incomplete]),
        _indexes(incomplete),
    )


def judgement_share(session: Session) -> MetricResult:
    giving = _feedback_turns(session)
    if not giving:
        return MetricResult(None, note="no feedback given")
    judged = [t for t in giving if t.coded.has(Move.JUDGEMENT)]
    return MetricResult(
        len(judged) / len(giving),
        len(judged),
        len(giving),
        f"{len(judged)} of {len(giving)} feedback turns label the person",
        _indexes([t for t in giving if t not in judged]),
        _indexes(judged),
    )


def invites_response(session: Session) -> MetricResult:
    """Feedback followed by an open question, in the same turn or the learner's next one; a
    "why" asks them to justify themselves, not for their view, so it does not count."""
    giving = _feedback_turns(session)
    if not giving:
        return MetricResult(None, note="no feedback given")
    order = list(session.learner)
    invited: list[CodedTurn] = []
    silent: list[CodedTurn] = []
    for t in giving:
        following = order[order.index(t) + 1 : order.index(t) + 2]
        asks = any(_asks_their_view(turn) for turn in (t, *following))
        (invited if asks else silent).append(t)
    return MetricResult(
        len(invited) / len(giving),
        len(invited),
        len(giving),
        f"{len(invited)} of {len(giving)} feedback turns invite their view",
        _indexes(invited),
        _indexes(silent),
    )


def asked_first(turn: CodedTurn) -> bool:
    """The turn asks permission to offer an idea or feedback (and nothing else makes it advice)."""
    return turn.coded.has(Move.PERMISSION_REQUEST)


def _gives_advice(turn: CodedTurn) -> bool:
    return turn.coded.has(*ADVICE)


def permission_first(session: Session) -> MetricResult:
    """Feedback and advice offered after asking: each feedback episode and each advice turn is
    one offer; it had permission if the learner asked in that turn or the turn before, or the
    other person asked for it (the coder's advice-with-permission)."""
    offers: list[tuple[CodedTurn, bool]] = []
    previous: CodedTurn | None = None
    in_feedback = False
    for t in session.learner:
        asked = asked_first(t) or (previous is not None and asked_first(previous))
        if t.coded.has(*FEEDBACKISH):
            if not in_feedback:
                offers.append((t, asked))
            in_feedback = True
        else:
            in_feedback = False
        if _gives_advice(t):
            offers.append(
                (
                    t,
                    t.coded.has(Move.ADVICE_WITH_PERMISSION)
                    and not t.coded.has(Move.ADVICE_WITHOUT_PERMISSION),
                )
            )
        previous = t
    if not offers:
        return MetricResult(None, note="no feedback or advice offered")
    asked_turns = [t for t, ok in offers if ok]
    unasked = [t for t, ok in offers if not ok]
    return MetricResult(
        len(asked_turns) / len(offers),
        len(asked_turns),
        len(offers),
        f"{len(asked_turns)} of {len(offers)} offers of feedback or advice came after asking",
        _indexes(asked_turns),
        _indexes(unasked),
    )


def _plural(n: float, word: str) -> str:
    count = f"{n:g}"
    return f"{count} {word}" if n == 1 else f"{count} {word}s"


def _explain_rq(r: MetricResult) -> str:
    said = f"{_plural(r.numerator, 'reflection')} to {_plural(r.denominator, 'question')}"
    return f"{said[:1].upper()}{said[1:]} (turns that reflect : turns that ask)."


def _explain_share(what: str) -> Callable[[MetricResult], str]:
    def explain(r: MetricResult) -> str:
        return f"{r.numerator:g} of {r.denominator:g} {what}."

    return explain


def _explain_talk(r: MetricResult) -> str:
    return f"You spoke {r.value or 0:.0%} of the words ({r.numerator:g} of {r.denominator:g})."


def _explain_early_advice(r: MetricResult) -> str:
    return (
        f"{r.note[:1].upper()}{r.note[1:]} (unasked advice counts 1, asked advice 0.5: "
        f"{r.value or 0:g} in all)."
    )


def _explain_sbi(r: MetricResult) -> str:
    named = r.note.removeprefix("parts present: ")
    return f"Your feedback named {r.numerator:g} of the 4 SBI parts ({named})."


METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        MetricSpec(
            "reflection_to_question_ratio",
            "Reflecting turns per questioning turn (MITI R:Q).",
            "ratio",
            reflection_to_question_ratio,
            REFLECTIONS,
            QUESTIONS,
            explain=_explain_rq,
        ),
        MetricSpec(
            "reflection_share",
            "Share of the learner's turns that reflect what the other person said.",
            "share",
            reflection_share,
            REFLECTIONS,
            (),
            explain=_explain_share("of your turns reflected what they said"),
        ),
        MetricSpec(
            "hostility",
            "Judging, accusing or threatening turns, and 'why' grilling, per learner turn.",
            "share",
            hostility,
            (),
            (Move.JUDGEMENT, Move.WHY_QUESTION),
            explain=lambda r: (
                f"Hostile moves in {r.instances} of {r.denominator:g} turns: {r.note}."
            ),
        ),
        MetricSpec(
            "pct_open_questions",
            "Open questions as a share of all questions (%OQ).",
            "share",
            pct_open_questions,
            (Move.OPEN_QUESTION,),
            (Move.CLOSED_QUESTION,),
            explain=_explain_share("of your questions were open"),
        ),
        MetricSpec(
            "pct_complex_reflections",
            "Complex reflections and summaries as a share of reflections (%CR).",
            "share",
            pct_complex_reflections,
            (Move.COMPLEX_REFLECTION, Move.SUMMARY),
            (Move.SIMPLE_REFLECTION,),
            explain=_explain_share("of your reflections added meaning or feeling to their words"),
        ),
        MetricSpec(
            "learner_talk_share",
            "The learner's share of all words spoken.",
            "share",
            learner_talk_share,
            (),
            tuple(Move),
            explain=_explain_talk,
        ),
        MetricSpec(
            "stacked_question_share",
            "Share of questioning turns that ask several questions at once.",
            "share",
            stacked_question_share,
            QUESTION_FORMS,
            (Move.STACKED_QUESTIONS,),
            explain=_explain_share("of your questioning turns asked several questions at once"),
        ),
        MetricSpec(
            "why_question_share",
            "Share of questioning turns that ask 'why'.",
            "share",
            why_question_share,
            QUESTION_FORMS,
            (Move.WHY_QUESTION,),
            explain=_explain_share("of your questioning turns asked 'why'"),
        ),
        MetricSpec(
            "leading_question_share",
            "Share of questioning turns that suggest their own answer.",
            "share",
            leading_question_share,
            QUESTION_FORMS,
            (Move.LEADING_QUESTION,),
            explain=_explain_share("of your questioning turns suggested their own answer"),
        ),
        MetricSpec(
            "advice_before_understanding",
            "Advice before the first reflection (1 per unsolicited, 0.5 per asked).",
            "count",
            advice_before_understanding,
            REFLECTIONS,
            ADVICE,
            explain=_explain_early_advice,
        ),
        MetricSpec(
            "advice_share",
            "Advice turns per learner turn (1 per unsolicited, 0.5 per asked).",
            "share",
            advice_share,
            REFLECTIONS + QUESTIONS,
            ADVICE,
            explain=lambda r: f"{r.note[:1].upper()}{r.note[1:]}.",
        ),
        MetricSpec(
            "builds_on_their_words",
            "Share of questions and reflections that reuse the other person's words.",
            "share",
            builds_on_their_words,
            REFLECTIONS + QUESTIONS,
            REFLECTIONS + QUESTIONS,
        ),
        MetricSpec(
            "sbi_completeness",
            "Share of SBI parts (situation, behaviour, impact, request) in the feedback.",
            "share",
            sbi_completeness,
            FEEDBACKISH,
            FEEDBACKISH,
            explain=_explain_sbi,
        ),
        MetricSpec(
            "judgement_share",
            "Share of feedback turns that label the person.",
            "share",
            judgement_share,
            (Move.FEEDBACK,),
            (Move.JUDGEMENT,),
            explain=_explain_share("of your feedback turns labelled the person"),
        ),
        MetricSpec(
            "invites_response",
            "Share of feedback turns followed by an open question.",
            "share",
            invites_response,
            FEEDBACKISH,
            FEEDBACKISH,
            explain=_explain_share("of your feedback turns were followed by an open question"),
        ),
        MetricSpec(
            "permission_first",
            "Share of feedback episodes and advice given after asking permission.",
            "share",
            permission_first,
            (Move.PERMISSION_REQUEST, Move.ADVICE_WITH_PERMISSION, *FEEDBACKISH),
            (Move.ADVICE_WITHOUT_PERMISSION, *FEEDBACKISH),
            explain=_explain_share("of your offers of feedback or advice came after asking"),
        ),
    )
}
