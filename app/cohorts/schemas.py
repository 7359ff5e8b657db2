"""API shapes for cohorts, assignments and progress."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from app.cohorts.assignments import AssignmentStatus
from app.cohorts.models import Assignment, Cohort, CohortInvitation
from app.db import as_utc
from app.scoring.rubric import Rubric
from app.users.models import User
from app.users.schemas import UserPublic


class CohortCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)


class CohortOut(BaseModel):
    id: int
    name: str
    trainer_id: int
    member_count: int

    @classmethod
    def from_row(cls, cohort: Cohort) -> CohortOut:
        return cls(
            id=cohort.id,
            name=cohort.name,
            trainer_id=cohort.trainer_id,
            member_count=len(cohort.members),
        )


class CohortDetail(CohortOut):
    members: list[UserPublic]
    invited: list[UserPublic] = Field(
        default_factory=list, description="Invited learners who have not accepted yet."
    )


class Enrolment(BaseModel):
    status: Literal["member", "invited"]
    invitation_id: int | None
    cohort: CohortOut


class InvitationOut(BaseModel):
    id: int
    cohort_id: int
    cohort_name: str
    trainer: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: CohortInvitation, db: Session) -> InvitationOut:
        cohort = db.get(Cohort, row.cohort_id)
        trainer = db.get(User, row.invited_by)
        return cls(
            id=row.id,
            cohort_id=row.cohort_id,
            cohort_name=cohort.name if cohort else "",
            trainer=trainer.display_name if trainer else "",
            created_at=row.created_at,
        )


class MemberAdd(BaseModel):
    email: str = Field(min_length=3, max_length=254)


class AssignmentCreate(BaseModel):
    scenario_id: str
    cohort_id: int | None = None
    learner_id: int | None = None
    due_at: datetime | None = None
    target_levels: dict[str, int] = Field(
        default_factory=dict, description="Skill → level 1..5 that counts as 'target met'."
    )
    rubric_id: int | None = None

    @field_validator("due_at")
    @classmethod
    def _due_in_utc(cls, value: datetime | None) -> datetime | None:
        """A due date without an offset is UTC, as the database will store and return it."""
        return None if value is None else as_utc(value)


class AssignmentOut(BaseModel):
    id: int
    scenario_id: str
    cohort_id: int | None
    learner_id: int | None
    due_at: datetime | None
    target_levels: dict[str, int]
    rubric_id: int | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Assignment) -> AssignmentOut:
        return cls(
            id=row.id,
            scenario_id=row.scenario_slug,
            cohort_id=row.cohort_id,
            learner_id=row.learner_id,
            due_at=row.due_at,
            target_levels=row.target_levels,
            rubric_id=row.rubric_id,
            created_at=row.created_at,
        )


class LearnerStatus(BaseModel):
    learner: UserPublic
    status: AssignmentStatus


class AssignmentDetail(AssignmentOut):
    statuses: list[LearnerStatus]


class MyAssignment(AssignmentOut):
    status: AssignmentStatus


class RubricCreate(BaseModel):
    name: str = Field(
        min_length=1,
        max_length=80,
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        description="Your name for the rubric (lower case, digits, dashes); unique per owner.",
    )
    yaml: str = Field(
        min_length=1,
        max_length=100_000,
        description="The rubric as YAML, in the format of app/rubrics/*.yaml (100 kB at most).",
    )


class RubricUpdate(BaseModel):
    yaml: str = Field(
        min_length=1, max_length=100_000, description="The new version's YAML (100 kB at most)."
    )


class RubricOut(BaseModel):
    """One stored version of a custom rubric."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    version: int
    skill: str
    owner_id: int
    created_at: datetime


class RubricVersion(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: int
    created_at: datetime


class RubricDetail(RubricOut):
    yaml: str
    rubric: Rubric | None = Field(
        description="The parsed rubric; null if it no longer validates (see 'problem')."
    )
    problem: str | None = Field(
        default=None, description="Why the stored YAML no longer validates, e.g. after an upgrade."
    )
    versions: list[RubricVersion]
