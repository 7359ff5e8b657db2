"""Cohorts, their members, assignments and custom rubrics as stored rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, JSONDict, utcnow


class Cohort(Base):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    trainer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[CohortMember]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class CohortMember(Base):
    __tablename__ = "cohort_members"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustomRubric(Base):
    """A trainer's rubric YAML; edits add a version so old assignments keep theirs.

    Names are per owner: two trainers may both have a rubric called "strict", and a taken
    name never tells one trainer what another has.
    """

    __tablename__ = "custom_rubrics"
    __table_args__ = (UniqueConstraint("owner_id", "name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int]
    skill: Mapped[str] = mapped_column(String(32))
    source_yaml: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assignment(Base):
    """A scenario (and optional rubric) given to a whole cohort or to one learner."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_slug: Mapped[str] = mapped_column(String(80))
    rubric_id: Mapped[int | None] = mapped_column(
        ForeignKey("custom_rubrics.id", ondelete="SET NULL")
    )
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    trainer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime | None]
    target_levels: Mapped[JSONDict]  # skill -> level 1..5
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CohortInvitation(Base):
    """A trainer's invitation to a cohort; the learner joins only by accepting it.

    Joining lets the trainer see the learner's practice from then on, so it is the learner's
    choice: a trainer who knows an email address can no longer enrol its owner silently.
    """

    __tablename__ = "cohort_invitations"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
