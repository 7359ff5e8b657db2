"""Who may see whose practice: the one place the visibility rule lives.

A learner sees their own sessions; a trainer also sees the learners in cohorts they run (the
transcript only when the learner has not marked the session private); an admin sees all.
Anything not visible reads as missing (404), so ids of other people's data leak nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cohorts.models import Cohort, CohortMember
from app.users.models import User


def trains(db: Session, trainer: User, learner_id: int) -> bool:
    """Whether ``trainer`` runs a cohort that ``learner_id`` belongs to."""
    found = db.scalar(
        select(CohortMember.id)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(Cohort.trainer_id == trainer.id, CohortMember.user_id == learner_id)
        .limit(1)
    )
    return found is not None


def can_view_learner(db: Session, viewer: User, learner_id: int | None) -> bool:
    if viewer.role == "admin":
        return True
    if learner_id is not None and learner_id == viewer.id:
        return True
    return viewer.role == "trainer" and learner_id is not None and trains(db, viewer, learner_id)
