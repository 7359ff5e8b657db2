"""Assignments: who is assigned what (each learner's status: app.progress.service).

Status is derived from the learner's sessions, never stored, so it can't drift: a session
counts for an assignment when it was started for it, or is on the same scenario and started
after the assignment was made.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.cohorts.models import Assignment, Cohort, CohortMember
from app.errors import InvalidInput, NotFound
from app.skills import SKILL_IDS
from app.users.models import User


class AssignmentStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    TARGET_MET = "target_met"


def create_assignment(
    db: Session,
    *,
    trainer: User,
    scenario_slug: str,
    cohort: Cohort | None,
    learner: User | None,
    due_at: datetime | None,
    target_levels: dict[str, int],
    rubric_id: int | None = None,
) -> Assignment:
    if (cohort is None) == (learner is None):
        raise InvalidInput("assign to exactly one of cohort_id or learner_id")
    for skill, level in target_levels.items():
        if skill not in SKILL_IDS or not 1 <= level <= 5:
            raise InvalidInput(f"target_levels.{skill}: a skill with a level from 1 to 5")
    assignment = Assignment(
        scenario_slug=scenario_slug,
        cohort_id=cohort.id if cohort else None,
        learner_id=learner.id if learner else None,
        trainer_id=trainer.id,
        due_at=due_at,
        target_levels=target_levels,
        rubric_id=rubric_id,
    )
    db.add(assignment)
    db.flush()
    return assignment


def assignments_for_learner(db: Session, learner: User) -> list[Assignment]:
    cohort_ids = select(CohortMember.cohort_id).where(CohortMember.user_id == learner.id)
    return list(
        db.scalars(
            select(Assignment)
            .where(or_(Assignment.learner_id == learner.id, Assignment.cohort_id.in_(cohort_ids)))
            .order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.id)
        )
    )


def assignment_for_learner(db: Session, assignment_id: int, learner: User) -> Assignment:
    for assignment in assignments_for_learner(db, learner):
        if assignment.id == assignment_id:
            return assignment
    raise NotFound(f"no assignment {assignment_id}")


def assignment_for_trainer(db: Session, assignment_id: int, viewer: User) -> Assignment:
    assignment = db.get(Assignment, assignment_id)
    if assignment is None or (viewer.role != "admin" and assignment.trainer_id != viewer.id):
        raise NotFound(f"no assignment {assignment_id}")
    return assignment


def assignments_for_trainer(db: Session, viewer: User) -> list[Assignment]:
    query = select(Assignment).order_by(Assignment.id)
    if viewer.role != "admin":
        query = query.where(Assignment.trainer_id == viewer.id)
    return list(db.scalars(query))


def assignees(db: Session, assignment: Assignment) -> list[User]:
    if assignment.learner_id is not None:
        learner = db.get(User, assignment.learner_id)
        return [learner] if learner else []
    members = select(CohortMember.user_id).where(CohortMember.cohort_id == assignment.cohort_id)
    return list(db.scalars(select(User).where(User.id.in_(members)).order_by(User.display_name)))
