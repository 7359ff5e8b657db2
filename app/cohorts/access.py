"""Who may see whose practice: the one place the visibility rule lives.

A learner sees their own sessions; an admin sees all. A trainer sees a learner who is in a
cohort the trainer runs, and of that learner's sessions only those started after the learner
joined that cohort, or started for one of the trainer's own assignments: joining a cohort
does not open the learner's earlier practice. Transcripts of sessions the learner marked
private stay closed to trainers. Anything not visible reads as missing (404), so ids of
other people's data leak nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from app.cohorts.models import Assignment, Cohort, CohortMember
from app.db import as_utc
from app.users.models import User


def trains(db: Session, trainer: User, learner_id: int) -> bool:
    """Whether ``trainer`` runs a cohort that ``learner_id`` belongs to."""
    return _joined_at(db, trainer, learner_id) is not None


def _joined_at(db: Session, trainer: User, learner_id: int) -> Any:
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


def visible_sessions_clause(db: Session, viewer: User | None, learner_id: int) -> Any:
    """A WHERE clause on PracticeSession: which of the learner's sessions ``viewer`` sees.

    None (no viewer), the learner themself and admins see all of them.
    """
    from app.practice.models import PracticeSession

    if viewer is None or viewer.role == "admin" or viewer.id == learner_id:
        return PracticeSession.user_id == learner_id
    joined = _joined_at(db, viewer, learner_id) if viewer.role == "trainer" else None
    if joined is None:
        return false()
    own_assignments = select(Assignment.id).where(Assignment.trainer_id == viewer.id)
    return (PracticeSession.user_id == learner_id) & or_(
        PracticeSession.created_at >= as_utc(joined),
        PracticeSession.assignment_id.in_(own_assignments),
    )


def can_view_session(db: Session, viewer: User, session: Any) -> bool:
    """Whether ``viewer`` may see this practice session (its scores; see the module doc)."""
    if not can_view_learner(db, viewer, session.user_id):
        return False
    if viewer.role == "admin" or session.user_id == viewer.id:
        return True
    if session.assignment_id is not None:
        owner = db.scalar(
            select(Assignment.trainer_id).where(Assignment.id == session.assignment_id)
        )
        if owner == viewer.id:
            return True
    joined = _joined_at(db, viewer, session.user_id)
    return joined is not None and as_utc(session.created_at) >= as_utc(joined)
