"""The vocabulary of coded moves: shared by the coder, the rubrics, the persona and the hints."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Move(StrEnum):
    OPEN_QUESTION = "open_question"
    CLOSED_QUESTION = "closed_question"
    LEADING_QUESTION = "leading_question"
    WHY_QUESTION = "why_question"
    STACKED_QUESTIONS = "stacked_questions"
    SIMPLE_REFLECTION = "simple_reflection"
    COMPLEX_REFLECTION = "complex_reflection"
    SUMMARY = "summary"
    AFFIRMATION = "affirmation"
    PERMISSION_REQUEST = "permission_request"
    ADVICE_WITH_PERMISSION = "advice_with_permission"
    ADVICE_WITHOUT_PERMISSION = "advice_without_permission"
    INFORMATION = "information"
    JUDGEMENT = "judgement"
    FEEDBACK = "feedback"
    SELF_DISCLOSURE = "self_disclosure"
    OTHER = "other"


# The move groups the coder, the metrics and the evals count by.
QUESTIONS = (Move.OPEN_QUESTION, Move.CLOSED_QUESTION, Move.LEADING_QUESTION, Move.WHY_QUESTION)
REFLECTIONS = (Move.SIMPLE_REFLECTION, Move.COMPLEX_REFLECTION, Move.SUMMARY)


class SbiPart(StrEnum):
    SITUATION = "situation"
    BEHAVIOUR = "behaviour"
    IMPACT = "impact"
    REQUEST = "request"


class MainBehaviour(StrEnum):
    """One function per turn, as MITI and AnnoMI code it: what the turn is mainly for."""

    QUESTION = "question"
    REFLECTION = "reflection"
    INPUT = "input"
    OTHER = "other"


class MoveEvidence(BaseModel):
    """Why the coder assigned one move: the rule or model that fired and the words it fired on.

    ``source`` is ``rule:<id>`` for a lexicon rule or ``model`` for the learned coder, with the
    model's probability beside it, so a user can see whether a label is a pattern or a judgement.
    """

    model_config = ConfigDict(frozen=True)

    move: Move
    reason: str
    cue: str | None = Field(default=None, description="Verbatim span of the utterance, if any.")
    source: str = Field(default="model", description="'model' or 'rule:<rule id>'.")
    probability: float | None = Field(default=None, description="The model's probability.")


class CodedUtterance(BaseModel):
    """Every move found in one learner turn; a turn can carry several."""

    model_config = ConfigDict(frozen=True)

    text: str
    moves: tuple[Move, ...]
    sbi: tuple[SbiPart, ...] = ()
    question_count: int = 0
    check_questions: int = Field(
        default=0,
        description="Closed questions that only check a reflection landed ('Is that right?').",
    )
    evidence: tuple[MoveEvidence, ...] = ()
    main: MainBehaviour = MainBehaviour.OTHER
    assessable: bool = Field(
        default=True,
        description="False for lines with no English words to judge (gibberish, another language).",
    )
    not_assessable_reason: str | None = None

    def has(self, *moves: Move) -> bool:
        return any(move in self.moves for move in moves)

    @property
    def tells(self) -> bool:
        """The learner's own information or advice is what the turn is for."""
        return self.main is MainBehaviour.INPUT

    def relabelled(
        self,
        moves: tuple[Move, ...],
        to: Move,
        reason: str,
        *,
        source: str | None = None,
        main: MainBehaviour | None = None,
    ) -> CodedUtterance:
        """The same turn with the evidence for ``moves`` read as ``to`` instead: what a later
        turn or the rest of the transcript shows that the turn alone could not."""
        if not self.has(*moves):
            return self
        change: dict[str, object] = {"move": to, "reason": reason}
        if source is not None:
            change["source"] = source
        evidence = tuple(
            e.model_copy(update=change) if e.move in moves else e for e in self.evidence
        )
        update: dict[str, object] = {
            "moves": tuple(m for m in Move if any(e.move is m for e in evidence)),
            "evidence": evidence,
        }
        if main is not None:
            update["main"] = main
        return self.model_copy(update=update)


def asked_for(moves: frozenset[Move]) -> frozenset[Move]:
    """The moves with unasked advice read as advice they asked for (the peer said yes)."""
    if Move.ADVICE_WITHOUT_PERMISSION not in moves:
        return moves
    return (moves - {Move.ADVICE_WITHOUT_PERMISSION}) | {Move.ADVICE_WITH_PERMISSION}
