"""Practice sessions, their turns and scorecards as stored rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, JSONDict, JSONList, utcnow
from app.scenarios.models import ScenarioVersion


class PracticeSession(Base):
    __tablename__ = "practice_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | ended
    engine: Mapped[str] = mapped_column(String(32))
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="SET NULL"), index=True
    )
    hints_enabled: Mapped[bool] = mapped_column(default=False)
    private: Mapped[bool] = mapped_column(default=False)
    persona_state: Mapped[JSONDict]
    # When the conversation began. A branch keeps its parent's value (it is the same
    # conversation up to the branch point), so every visibility rule keyed on it treats the
    # branch exactly like its parent; when the branch itself was made is ``branched_at``.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    # Branches (app/practice/branching.py): deleting a session deletes its branches.
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True
    )
    branch_turn: Mapped[int | None]  # the parent's turn index this branch replaces
    branched_at: Mapped[datetime | None]

    scenario: Mapped[ScenarioVersion] = relationship(lazy="joined")
    turns: Mapped[list[Turn]] = relationship(
        back_populates="session",
        order_by="Turn.index",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Turn(Base):
    __tablename__ = "turns"
    __table_args__ = (
        UniqueConstraint("session_id", "index"),
        UniqueConstraint("session_id", "idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True
    )
    index: Mapped[int]
    speaker: Mapped[str] = mapped_column(String(16))  # learner | peer
    text: Mapped[str] = mapped_column(Text)
    # ok | failed: a learner turn the peer could not answer; never scored or sent as history,
    # and the learner's next message replaces it.
    status: Mapped[str] = mapped_column(String(16), default="ok", server_default="ok")
    moves: Mapped[JSONList] = mapped_column(default=list)
    persona_state: Mapped[JSONDict | None]  # the peer's state after this turn
    hint: Mapped[JSONDict | None]
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[PracticeSession] = relationship(back_populates="turns")


class StoredScorecard(Base):
    __tablename__ = "scorecards"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("practice_sessions.id", ondelete="CASCADE"), unique=True
    )
    # Text, not a short string: a set's name joins every rubric's id@version, and trainers'
    # rubrics make it longer than any fixed width (PostgreSQL would refuse the row).
    rubric_set: Mapped[str] = mapped_column(Text)
    levels: Mapped[JSONDict]  # skill -> level, for progress queries without parsing the payload
    payload: Mapped[JSONDict]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
