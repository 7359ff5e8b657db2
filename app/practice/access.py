"""Which practice sessions a viewer sees: the one place the session visibility rule lives.

A learner sees their own sessions; an admin sees all. A trainer sees a learner who is in a
cohort the trainer runs (:mod:`app.cohorts.access`), and of that learner's sessions only those
started after the learner joined that cohort, or started for one of the trainer's own
assignments: joining a cohort does not open the learner's earlier practice. Transcripts of
sessions the learner marked private stay closed to trainers. Anything not visible reads as
missing (404), so ids of other people's data leak nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from app.cohorts.access import can_view_learner, joined_at
from app.cohorts.models import Assignment
from app.db import as_utc
from app.practice.models import PracticeSession
from app.users.models import User


def visible_sessions_clause(db: Session, viewer: User | None, learner_id: int) -> Any:
    """A WHERE clause on PracticeSession: which of the learner's sessions ``viewer`` sees.

    None (no viewer), the learner themself and admins see all of them.
    """
    if viewer is None or viewer.role == "admin" or viewer.id == learner_id:
        return PracticeSession.user_id == learner_id
    joined = joined_at(db, viewer, learner_id) if viewer.role == "trainer" else None
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
    joined = joined_at(db, viewer, session.user_id)
    return joined is not None and as_utc(session.created_at) >= as_utc(joined)
