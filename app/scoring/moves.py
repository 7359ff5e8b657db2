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
    ADVICE_WITH_PERMISSION = "advice_with_permission"
    ADVICE_WITHOUT_PERMISSION = "advice_without_permission"
    JUDGEMENT = "judgement"
    FEEDBACK = "feedback"
    SELF_DISCLOSURE = "self_disclosure"
    OTHER = "other"


class SbiPart(StrEnum):
    SITUATION = "situation"
    BEHAVIOUR = "behaviour"
    IMPACT = "impact"
    REQUEST = "request"


class MoveEvidence(BaseModel):
    """Why the coder assigned one move: the rule or model that fired and the words it fired on."""

    model_config = ConfigDict(frozen=True)

    move: Move
    reason: str
    cue: str | None = Field(default=None, description="Verbatim span of the utterance, if any.")


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

    def has(self, *moves: Move) -> bool:
        return any(move in self.moves for move in moves)
