"""API shapes for practice sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from app.practice.models import PracticeSession, Turn


class SessionCreate(BaseModel):
    scenario_id: str = Field(description="Scenario slug, e.g. 'missed-deadlines'.")
    hints: bool = Field(default=False, description="Show a live hint after each learner turn.")
    private: bool = Field(
        default=False, description="Trainers see scores and metrics but not the transcript."
    )
    assignment_id: int | None = Field(default=None, description="Practise for this assignment.")


class SessionUpdate(BaseModel):
    private: bool


class LearnerMessage(BaseModel):
    text: str = Field(
        description="What the learner says: 1 character up to the limit (max_message_chars, 4000)."
    )
    idempotency_key: str | None = Field(
        default=None,
        max_length=128,
        description="Retrying with the same key never duplicates the turn.",
    )

    @field_validator("text")
    @classmethod
    def _text_is_sayable(cls, text: str) -> str:
        stripped = text.strip()
        if not stripped:
            raise ValueError("message is empty: say something to your peer")
        return stripped  # the length limit is a setting: practice.service.check_message_length


class TurnOut(BaseModel):
    index: int
    speaker: str
    text: str
    moves: list[str]
    persona: dict[str, Any] | None = Field(
        default=None, description="The peer's openness after this turn (peer turns only)."
    )
    hint: dict[str, Any] | None = None
    created_at: datetime

    @classmethod
    def from_row(cls, turn: Turn) -> TurnOut:
        return cls(
            index=turn.index,
            speaker=turn.speaker,
            text=turn.text,
            moves=list(turn.moves),
            persona=_openness(turn.persona_state),
            hint=turn.hint,
            created_at=turn.created_at,
        )


def _openness(state: dict[str, Any] | None) -> dict[str, Any] | None:
    if state is None:
        return None
    keys = ("trust", "defensiveness", "disclosed_layers", "finished")
    return {key: state[key] for key in keys if key in state}


class SessionOut(BaseModel):
    id: str
    scenario_id: str
    scenario_version: int
    scenario_title: str
    peer_name: str
    status: str
    engine: str
    hints: bool
    private: bool
    created_at: datetime
    ended_at: datetime | None
    peer_finished: bool
    parent_id: str | None = Field(
        default=None, description="The session this one is a branch of; null for an original."
    )
    branch_turn: int | None = Field(
        default=None, description="The parent's turn index this branch practises again."
    )
    tree: SessionTree | None = Field(
        default=None,
        description="Parent, branch point and branches; filled by GET /sessions/{id} only.",
    )

    @classmethod
    def from_row(cls, session: PracticeSession) -> SessionOut:
        content = session.scenario.content
        return cls(
            id=session.id,
            scenario_id=session.scenario.slug,
            scenario_version=session.scenario.version,
            scenario_title=content["title"],
            peer_name=content["persona"]["name"],
            status=session.status,
            engine=session.engine,
            hints=session.hints_enabled,
            private=session.private,
            created_at=session.created_at,
            ended_at=session.ended_at,
            peer_finished=bool(session.persona_state.get("finished")),
            parent_id=session.parent_id,
            branch_turn=session.branch_turn,
        )


class SessionStarted(BaseModel):
    session: SessionOut
    learner_brief: str
    opening: TurnOut


class Exchange(BaseModel):
    learner: TurnOut
    peer: TurnOut
    peer_finished: bool


class Transcript(BaseModel):
    session: SessionOut
    turns: list[TurnOut]


# Branches (app/practice/branching.py)


class BranchCreate(BaseModel):
    at_turn: int = Field(
        description="Index of one of the parent's learner turns: the branch holds the turns "
        "before it, with the peer's state as it was after the turn before, and your next "
        "message becomes this turn."
    )


class BranchRef(BaseModel):
    id: str
    branch_turn: int
    status: str
    branched_at: datetime


class SessionTree(BaseModel):
    parent_id: str | None
    branch_turn: int | None
    branched_at: datetime | None
    children: list[BranchRef]


class MomentReaction(BaseModel):
    """One side of a comparison: the line said at the branch point and the peer's reaction."""

    session_id: str
    line: str = Field(description="Empty when not yet said, or hidden (private session).")
    labels: list[str]
    reply: str = Field(description="Empty when not yet answered, or hidden (private session).")
    answered: bool
    trust: float | None
    defensiveness: float | None
    openness: float | None
    disclosed_layers: int | None = Field(description="How many layers the peer has opened.")
    triggers: list[str] = Field(description="Trigger ids the line fired.")
    reaction: str | None = Field(description="Id of the reply rule the line set off.")
    turns_after: int = Field(description="Turns from the branch point on.")


class BranchComparison(BaseModel):
    branch_id: str
    parent_id: str
    at_turn: int
    trust_before: float | None
    openness_before: float | None
    disclosed_layers_before: int
    original: MomentReaction
    retry: MomentReaction
    changed: bool = Field(description="The peer reacted differently to the new line.")
    improved: bool = Field(
        description="The new line opened more layers, or as many with the peer more open."
    )
    parent_levels: dict[str, int | None] | None = Field(description="Null until scored.")
    branch_levels: dict[str, int | None] | None = Field(description="Null until scored.")
