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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.scoring.language import content_stems, word_count
from app.scoring.moves import CodedUtterance, Move
from app.scoring.transcript import TranscriptTurn

REFLECTIONS = (Move.SIMPLE_REFLECTION, Move.COMPLEX_REFLECTION, Move.SUMMARY)
QUESTIONS = (Move.OPEN_QUESTION, Move.CLOSED_QUESTION, Move.LEADING_QUESTION, Move.WHY_QUESTION)
ADVICE = (Move.ADVICE_WITH_PERMISSION, Move.ADVICE_WITHOUT_PERMISSION)
FEEDBACKISH = (Move.FEEDBACK, Move.JUDGEMENT)
QUESTION_FORMS = (Move.OPEN_QUESTION, Move.CLOSED_QUESTION)


@dataclass(frozen=True)
class CodedTurn:
    """A learner turn, its coding, and what the other person said just before it."""

    turn: TranscriptTurn
    coded: CodedUtterance
    context: str | None


@dataclass(frozen=True)
class Session:
    """The whole transcript plus the coded learner turns, in order."""

    turns: tuple[TranscriptTurn, ...]
    learner: tuple[CodedTurn, ...]


@dataclass(frozen=True)
class MetricResult:
    """A metric's value, or None when there was nothing to measure, with the turns behind it."""

    value: float | None
    numerator: float = 0.0
    denominator: float = 0.0
    note: str = ""
    good_turns: tuple[int, ...] = ()  # turns that raise the value (or keep it healthy)
    weak_turns: tuple[int, ...] = ()  # turns that pull it the wrong way

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

    def display(self, result: MetricResult) -> str:
        if result.value is None:
            return "not observed"
        if self.unit == "share":
            return f"{result.value:.0%}"
        if self.unit == "ratio":
            return f"{result.value:.1f} : 1"
        return f"{result.value:g}"


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
        value, len(reflecting), len(asking), note, _indexes(reflecting), _indexes(weak)
    )


def pct_open_questions(session: Session) -> MetricResult:
    open_turns, closed_turns = [], []
    opened = closed = 0
    for t in session.learner:
        n_open = sum(1 for e in t.coded.evidence if e.move is Move.OPEN_QUESTION)
        n_closed = sum(1 for e in t.coded.evidence if e.move is Move.CLOSED_QUESTION)
        n_closed -= min(n_closed, t.coded.check_questions)
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
    """Feedback followed by an open question, in the same turn or the learner's next one."""
    giving = _feedback_turns(session)
    if not giving:
        return MetricResult(None, note="no feedback given")
    order = list(session.learner)
    invited: list[CodedTurn] = []
    silent: list[CodedTurn] = []
    for t in giving:
        following = order[order.index(t) + 1 : order.index(t) + 2]
        asks = t.coded.has(Move.OPEN_QUESTION) or any(
            f.coded.has(Move.OPEN_QUESTION) for f in following
        )
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
        ),
        MetricSpec(
            "pct_open_questions",
            "Open questions as a share of all questions (%OQ).",
            "share",
            pct_open_questions,
            (Move.OPEN_QUESTION,),
            (Move.CLOSED_QUESTION,),
        ),
        MetricSpec(
            "pct_complex_reflections",
            "Complex reflections and summaries as a share of reflections (%CR).",
            "share",
            pct_complex_reflections,
            (Move.COMPLEX_REFLECTION, Move.SUMMARY),
            (Move.SIMPLE_REFLECTION,),
        ),
        MetricSpec(
            "learner_talk_share",
            "The learner's share of all words spoken.",
            "share",
            learner_talk_share,
            (),
            tuple(Move),
        ),
        MetricSpec(
            "stacked_question_share",
            "Share of questioning turns that ask several questions at once.",
            "share",
            stacked_question_share,
            QUESTION_FORMS,
            (Move.STACKED_QUESTIONS,),
        ),
        MetricSpec(
            "why_question_share",
            "Share of questioning turns that ask 'why'.",
            "share",
            why_question_share,
            QUESTION_FORMS,
            (Move.WHY_QUESTION,),
        ),
        MetricSpec(
            "leading_question_share",
            "Share of questioning turns that suggest their own answer.",
            "share",
            leading_question_share,
            QUESTION_FORMS,
            (Move.LEADING_QUESTION,),
        ),
        MetricSpec(
            "advice_before_understanding",
            "Advice before the first reflection (1 per unsolicited, 0.5 per asked).",
            "count",
            advice_before_understanding,
            REFLECTIONS,
            ADVICE,
        ),
        MetricSpec(
            "advice_share",
            "Advice turns per learner turn (1 per unsolicited, 0.5 per asked).",
            "share",
            advice_share,
            REFLECTIONS + QUESTIONS,
            ADVICE,
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
        ),
        MetricSpec(
            "judgement_share",
            "Share of feedback turns that label the person.",
            "share",
            judgement_share,
            (Move.FEEDBACK,),
            (Move.JUDGEMENT,),
        ),
        MetricSpec(
            "invites_response",
            "Share of feedback turns followed by an open question.",
            "share",
            invites_response,
            FEEDBACKISH,
            FEEDBACKISH,
        ),
        MetricSpec(
            "permission_first",
            "Share of feedback episodes and advice given after asking permission.",
            "share",
            permission_first,
            (Move.PERMISSION_REQUEST, Move.ADVICE_WITH_PERMISSION, *FEEDBACKISH),
            (Move.ADVICE_WITHOUT_PERMISSION, *FEEDBACKISH),
        ),
    )
}
