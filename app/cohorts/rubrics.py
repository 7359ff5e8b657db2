"""Trainers' custom rubrics: validated YAML kept as immutable versions.

Editing a rubric adds a row (same owner and name, next version) instead of changing one, so an
assignment keeps scoring with exactly the rubric it was given and every scorecard can be
explained by the version it was scored with. Rubrics are private to their owner (admins see
all): anyone else's id reads as missing, so ids leak nothing.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.cohorts.models import Assignment, CustomRubric
from app.errors import Conflict, InvalidInput, NotFound
from app.scoring.rubric import Rubric, RubricSet, parse_rubric_yaml
from app.scoring.service import rubrics_with_custom
from app.users.models import User

log = logging.getLogger(__name__)

MAX_YAML_BYTES = 100_000


def validate(text: str, *, name: str, base: RubricSet) -> Rubric:
    """The parsed rubric, or InvalidInput naming the field that is wrong.

    The skill must be one the built-in set scores: a custom rubric replaces a built-in one for
    the same skill, and progress, targets and technique cards only know those skills.
    """
    size = len(text.encode("utf-8"))
    if size > MAX_YAML_BYTES:
        raise InvalidInput(f"yaml: the rubric is {size:,} bytes; the limit is {MAX_YAML_BYTES:,}")
    source = f"rubric '{name}'"
    rubric = parse_rubric_yaml(text, source)
    skills = [r.skill for r in base.rubrics]
    if rubric.skill not in skills:
        raise InvalidInput(
            f"{source}: skill: '{rubric.skill}' is not a scored skill; use one of {skills}"
        )
    return rubric


def create(db: Session, *, owner: User, name: str, text: str, base: RubricSet) -> CustomRubric:
    rubric = validate(text, name=name, base=base)
    if _latest(db, owner.id, name) is not None:
        raise Conflict(f"you already have a rubric named '{name}': edit it to add a version")
    return _insert(db, owner_id=owner.id, name=name, version=1, skill=rubric.skill, text=text)


def add_version(db: Session, row: CustomRubric, *, text: str, base: RubricSet) -> CustomRubric:
    """A new version after the newest one of ``row``'s rubric; unchanged YAML adds nothing.

    The owner stays the rubric's owner even when an admin edits it, so the trainer keeps
    seeing (and using) their rubric.
    """
    rubric = validate(text, name=row.name, base=base)
    latest = _latest(db, row.owner_id, row.name) or row
    if latest.source_yaml == text:
        return latest
    return _insert(
        db,
        owner_id=row.owner_id,
        name=row.name,
        version=latest.version + 1,
        skill=rubric.skill,
        text=text,
    )


def visible(db: Session, viewer: User) -> list[CustomRubric]:
    """The newest version of each rubric the viewer owns (every owner's, for an admin)."""
    newest = select(
        CustomRubric.owner_id, CustomRubric.name, func.max(CustomRubric.version).label("version")
    ).group_by(CustomRubric.owner_id, CustomRubric.name)
    if viewer.role != "admin":
        newest = newest.where(CustomRubric.owner_id == viewer.id)
    latest = newest.subquery()
    query = (
        select(CustomRubric)
        .join(
            latest,
            (CustomRubric.owner_id == latest.c.owner_id)
            & (CustomRubric.name == latest.c.name)
            & (CustomRubric.version == latest.c.version),
        )
        .order_by(CustomRubric.name, CustomRubric.owner_id)
    )
    return list(db.scalars(query))


def for_viewer(db: Session, rubric_id: int, viewer: User) -> CustomRubric:
    """A rubric version the viewer owns (or any, for an admin); others read as missing."""
    row = db.get(CustomRubric, rubric_id)
    if row is None or (viewer.role != "admin" and row.owner_id != viewer.id):
        raise NotFound(f"no custom rubric {rubric_id}")
    return row


def versions(db: Session, row: CustomRubric) -> list[CustomRubric]:
    """Every version of ``row``'s rubric, oldest first."""
    return list(
        db.scalars(
            select(CustomRubric)
            .where(CustomRubric.owner_id == row.owner_id, CustomRubric.name == row.name)
            .order_by(CustomRubric.version)
        )
    )


def parsed(row: CustomRubric) -> Rubric:
    return parse_rubric_yaml(row.source_yaml, label(row))


def label(row: CustomRubric) -> str:
    return f"custom rubric '{row.name}' v{row.version}"


def rubrics_for_assignment(db: Session, assignment_id: int | None, base: RubricSet) -> RubricSet:
    """The rubric set a session for this assignment is scored with.

    The assignment's custom rubric replaces the built-in one for its skill. A stored rubric
    that no longer validates (a metric removed by an upgrade) falls back to the built-in set
    with a warning rather than leaving the learner unable to end the session; the stored
    scorecard's rubric set then shows which rubrics were really used.
    """
    if assignment_id is None:
        return base
    assignment = db.get(Assignment, assignment_id)
    if assignment is None or assignment.rubric_id is None:
        return base
    row = db.get(CustomRubric, assignment.rubric_id)
    if row is None:
        return base
    try:
        return rubrics_with_custom(base, row.source_yaml, label(row))
    except InvalidInput as exc:
        log.warning("scoring with the built-in rubrics instead: %s", exc.message)
        return base


def _latest(db: Session, owner_id: int, name: str) -> CustomRubric | None:
    return db.scalar(
        select(CustomRubric)
        .where(CustomRubric.owner_id == owner_id, CustomRubric.name == name)
        .order_by(CustomRubric.version.desc())
        .limit(1)
    )


def _insert(
    db: Session, *, owner_id: int, name: str, version: int, skill: str, text: str
) -> CustomRubric:
    row = CustomRubric(owner_id=owner_id, name=name, version=version, skill=skill, source_yaml=text)
    db.add(row)
    try:
        db.flush()
    except IntegrityError:
        # Two saves of the same rubric raced for one version number; the other one won.
        db.rollback()
        raise Conflict(f"rubric '{name}' changed while saving; reload it and try again") from None
    return row
