"""Cohorts: a trainer's group of learners."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.cohorts.models import Cohort, CohortMember
from app.errors import Conflict, InvalidInput, NotFound
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
