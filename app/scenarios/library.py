"""Loading scenario files and keeping their versions in the database."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Forbidden, InvalidInput, NotFound
from app.scenarios.models import ScenarioVersion
from app.scenarios.schema import Scenario


class ScenarioFileError(ValueError):
    """A scenario file that cannot be loaded; the message names the file, field and problem."""


def describe_validation_error(exc: ValidationError, source: str) -> str:
    problems = "; ".join(
        f"{'.'.join(str(part) for part in err['loc']) or '(root)'}: {err['msg']}"
        for err in exc.errors()
    )
    return f"{source}: {problems}"


def parse_scenario(data: Any, source: str) -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioFileError(f"{source}: expected a mapping at the top level")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioFileError(describe_validation_error(exc, source)) from None


def parse_scenario_yaml(text: str, source: str) -> Scenario:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioFileError(f"{source}: not valid YAML: {exc}") from None
    except RecursionError:
        raise ScenarioFileError(f"{source}: nested too deeply") from None
    return parse_scenario(data, source)


def load_scenario_files(folder: Path) -> list[Scenario]:
    scenarios = []
    for path in sorted(folder.glob("*.yaml")):
        scenario = parse_scenario_yaml(path.read_text(encoding="utf-8"), path.name)
        if scenario.id != path.stem:
            raise ScenarioFileError(f"{path.name}: id '{scenario.id}' must match the file name")
        scenarios.append(scenario)
    return scenarios


def content_hash(scenario: Scenario) -> str:
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def save_version(
    db: Session, scenario: Scenario, *, source: str, author_id: int | None = None
) -> ScenarioVersion:
    """Store ``scenario`` as the current version of its slug, unless it is unchanged."""
    digest = content_hash(scenario)
    current = _current_row(db, scenario.id)
    if current is not None and current.content_hash == digest:
        return current
    if current is not None:
        current.is_current = False
    row = ScenarioVersion(
        slug=scenario.id,
        version=(current.version + 1) if current else 1,
        source=source,
        content=scenario.model_dump(mode="json"),
        content_hash=digest,
        author_id=author_id,
        is_current=True,
    )
    db.add(row)
    db.flush()
    return row


def sync_builtin(db: Session, scenarios: list[Scenario]) -> None:
    """Make the files in app/knowledge/scenarios the current built-in versions."""
    for scenario in scenarios:
        current = _current_row(db, scenario.id)
        if current is not None and current.source == "custom":
            continue  # a trainer's edit of a built-in scenario wins over the shipped file
        save_version(db, scenario, source="builtin")


def _current_row(db: Session, slug: str) -> ScenarioVersion | None:
    return db.scalar(
        select(ScenarioVersion).where(ScenarioVersion.slug == slug, ScenarioVersion.is_current)
    )


def exists(db: Session, slug: str) -> bool:
    return _current_row(db, slug) is not None


def to_yaml(row: ScenarioVersion) -> str:
    return yaml.safe_dump(row.content, sort_keys=False, allow_unicode=True, width=100)


def current_version(db: Session, slug: str) -> ScenarioVersion:
    row = _current_row(db, slug)
    if row is None:
        raise NotFound(f"no scenario '{slug}'")
    return row


def list_current(
    db: Session,
    *,
    skill: str | None = None,
    difficulty: str | None = None,
    use: str | None = None,
) -> list[ScenarioVersion]:
    rows = db.scalars(
        select(ScenarioVersion).where(ScenarioVersion.is_current).order_by(ScenarioVersion.slug)
    ).all()
    return [
        row
        for row in rows
        if (skill is None or skill in row.content["target_skills"])
        and (difficulty is None or row.content["difficulty"] == difficulty)
        and (use is None or row.content["use"] == use)
    ]


def as_scenario(row: ScenarioVersion) -> Scenario:
    return Scenario.model_validate(row.content)


def validate_authored(text: str, source: str = "scenario") -> Scenario:
    """Validate a trainer-authored scenario; errors become 422 with the field named."""
    try:
        return parse_scenario_yaml(text, source)
    except ScenarioFileError as exc:
        raise InvalidInput(str(exc)) from None


def check_can_edit(db: Session, slug: str, editor: Any) -> ScenarioVersion:
    """The current version if ``editor`` may change the scenario; Forbidden otherwise.

    The author of a custom scenario (whoever made its first version) and admins may edit it;
    a built-in one (first shipped as a file) only an admin.
    """
    current = current_version(db, slug)
    if editor.role == "admin":
        return current
    first = db.scalar(
        select(ScenarioVersion)
        .where(ScenarioVersion.slug == slug)
        .order_by(ScenarioVersion.version)
        .limit(1)
    )
    if first is None or first.source == "builtin":
        raise Forbidden(f"scenario '{slug}' is built in: only an admin may edit it")
    if first.author_id != editor.id:
        raise Forbidden(
            f"scenario '{slug}' belongs to its author: only they or an admin may edit it"
        )
    return current
