"""Who a trainer trains: the cohort half of the visibility rule (sessions: app.practice.access).

A learner sees their own sessions; an admin sees all. A trainer sees a learner who is in a
cohort the trainer runs, and of that learner's sessions only those started after the learner
joined that cohort, or started for one of the trainer's own assignments: joining a cohort
does not open the learner's earlier practice. Transcripts of sessions the learner marked
private stay closed to trainers. Anything not visible reads as missing (404), so ids of
other people's data leak nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cohorts.models import Cohort, CohortMember
from app.errors import InvalidInput, NotFound
from app.users import service as user_service
from app.users.models import User


def trains(db: Session, trainer: User, learner_id: int) -> bool:
    """Whether ``trainer`` runs a cohort that ``learner_id`` belongs to."""
    return joined_at(db, trainer, learner_id) is not None


def joined_at(db: Session, trainer: User, learner_id: int) -> Any:
    """When the learner first joined one of the trainer's cohorts; None if in none."""
    return db.scalar(
        select(func.min(CohortMember.added_at))
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(Cohort.trainer_id == trainer.id, CohortMember.user_id == learner_id)
    )


def can_view_learner(db: Session, viewer: User, learner_id: int | None) -> bool:
    if viewer.role == "admin":
        return True
    if learner_id is not None and learner_id == viewer.id:
        return True
    return viewer.role == "trainer" and learner_id is not None and trains(db, viewer, learner_id)


def learner_visible_to(db: Session, trainer: User, learner_id: int) -> User:
    """The learner ``trainer`` may see; NotFound otherwise, as if there were no such learner."""
    if not can_view_learner(db, trainer, learner_id):
        raise NotFound(f"no learner {learner_id}")
    learner = user_service.get_user(db, learner_id)
    if learner.role == "admin" and trainer.role != "admin":
        raise InvalidInput("learner_id: not a learner")
    return learner
