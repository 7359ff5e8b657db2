"""Cohorts: a trainer's group of learners."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.cohorts.models import Cohort, CohortInvitation, CohortMember
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.users.models import User

MAX_COHORT_NAME = 120


def create_cohort(db: Session, *, trainer: User, name: str) -> Cohort:
    """A named cohort run by ``trainer``; the name is checked here so every caller agrees."""
    name = name.strip()
    if not name or len(name) > MAX_COHORT_NAME:
        raise InvalidInput(f"name: 1 to {MAX_COHORT_NAME} characters")
    cohort = Cohort(name=name, trainer_id=trainer.id)
    db.add(cohort)
    db.flush()
    return cohort


def visible_cohorts(db: Session, viewer: User) -> list[Cohort]:
    query = select(Cohort).order_by(Cohort.id)
    if viewer.role != "admin":
        query = query.where(Cohort.trainer_id == viewer.id)
    return list(db.scalars(query))


def cohort_for_trainer(db: Session, cohort_id: int, viewer: User) -> Cohort:
    """A cohort the viewer runs (or any, for an admin); others read as missing."""
    cohort = db.get(Cohort, cohort_id)
    if cohort is None or (viewer.role != "admin" and cohort.trainer_id != viewer.id):
        raise NotFound(f"no cohort {cohort_id}")
    return cohort


def member_ids(cohort: Cohort) -> list[int]:
    return [member.user_id for member in cohort.members]


def add_member(db: Session, cohort: Cohort, learner: User) -> None:
    if learner.id in member_ids(cohort):
        raise Conflict(f"{learner.email} is already in cohort '{cohort.name}'")
    cohort.members.append(CohortMember(user_id=learner.id))
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise Conflict(f"{learner.email} is already in cohort '{cohort.name}'") from None


def remove_member(db: Session, cohort: Cohort, learner_id: int) -> None:
    for member in cohort.members:
        if member.user_id == learner_id:
            cohort.members.remove(member)
            db.flush()
            return
    raise NotFound(f"user {learner_id} is not in cohort '{cohort.name}'")


def enrol(db: Session, cohort: Cohort, person: User, *, by: User) -> CohortInvitation | None:
    """Add ``person`` to ``cohort`` as ``by`` may: None when added, else the invitation made.

    Only an admin enrols trainers and admins, and directly. A trainer invites a learner, who
    joins by accepting (see accept_invitation): being in a cohort shows the trainer your
    practice, so nobody is put there by someone who merely knows their email address.
    """
    if person.id in member_ids(cohort):
        raise Conflict(f"{person.email} is already in cohort '{cohort.name}'")
    if by.role == "admin":
        add_member(db, cohort, person)
        return None
    if person.role != "learner":
        raise Forbidden("only an admin may add trainers or admins to a cohort")
    existing = db.scalar(
        select(CohortInvitation).where(
            CohortInvitation.cohort_id == cohort.id, CohortInvitation.user_id == person.id
        )
    )
    if existing is not None:
        raise Conflict(f"{person.email} is already invited to cohort '{cohort.name}'")
    invitation = CohortInvitation(cohort_id=cohort.id, user_id=person.id, invited_by=by.id)
    db.add(invitation)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise Conflict(f"{person.email} is already invited to cohort '{cohort.name}'") from None
    return invitation


def pending_invitations(
    db: Session, *, cohort: Cohort | None = None, user: User | None = None
) -> list[CohortInvitation]:
    query = select(CohortInvitation).order_by(CohortInvitation.id)
    if cohort is not None:
        query = query.where(CohortInvitation.cohort_id == cohort.id)
    if user is not None:
        query = query.where(CohortInvitation.user_id == user.id)
    return list(db.scalars(query))


def _own_invitation(db: Session, invitation_id: int, user: User) -> CohortInvitation:
    invitation = db.get(CohortInvitation, invitation_id)
    if invitation is None or invitation.user_id != user.id:
        raise NotFound(f"no invitation {invitation_id}")
    return invitation


def accept_invitation(db: Session, invitation_id: int, user: User) -> Cohort:
    invitation = _own_invitation(db, invitation_id, user)
    cohort = db.get(Cohort, invitation.cohort_id)
    db.delete(invitation)
    if cohort is None:
        raise NotFound(f"no invitation {invitation_id}")
    if user.id not in member_ids(cohort):
        add_member(db, cohort, user)
    return cohort


def decline_invitation(db: Session, invitation_id: int, user: User) -> None:
    db.delete(_own_invitation(db, invitation_id, user))
    db.flush()


def leave_cohort(db: Session, cohort_id: int, user: User) -> None:
    """A learner may leave any cohort they are in; the trainer stops seeing their practice."""
    cohort = db.get(Cohort, cohort_id)
    if cohort is None or user.id not in member_ids(cohort):
        raise NotFound(f"you are not in cohort {cohort_id}")
    remove_member(db, cohort, user.id)
