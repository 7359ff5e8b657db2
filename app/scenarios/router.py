"""Scenario library endpoints."""

from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.responses import PlainTextResponse

from app.deps import DbSession
from app.errors import Conflict, InvalidInput
from app.scenarios import library
from app.scenarios.schema import Difficulty, ScenarioUse, Skill
from app.scenarios.schemas import ScenarioAuthoring, ScenarioDetail, ScenarioSummary
from app.users.auth import CurrentUser, TrainerUser

router = APIRouter(prefix="/api/v1/scenarios", tags=["scenarios"])


@router.get("")
def list_scenarios(
    _user: CurrentUser,
    db: DbSession,
    skill: Skill | None = None,
    difficulty: Difficulty | None = None,
    use: ScenarioUse | None = None,
) -> list[ScenarioSummary]:
    rows = library.list_current(db, skill=skill, difficulty=difficulty, use=use)
    return [ScenarioSummary.from_row(row) for row in rows]


@router.get("/{scenario_id}")
def get_scenario(scenario_id: str, _user: CurrentUser, db: DbSession) -> ScenarioDetail:
    return ScenarioDetail.from_row(library.current_version(db, scenario_id))


@router.post("", status_code=status.HTTP_201_CREATED)
def create_scenario(body: ScenarioAuthoring, trainer: TrainerUser, db: DbSession) -> ScenarioDetail:
    """Add a trainer-authored scenario, validated like the built-in files."""
    scenario = library.validate_authored(body.yaml)
    if library.exists(db, scenario.id):
        raise Conflict(
            f"scenario '{scenario.id}' exists: edit it with PUT /api/v1/scenarios/{scenario.id}"
        )
    row = library.save_version(db, scenario, source="custom", author_id=trainer.id)
    return ScenarioDetail.from_row(row)


@router.put("/{scenario_id}")
def update_scenario(
    scenario_id: str, body: ScenarioAuthoring, trainer: TrainerUser, db: DbSession
) -> ScenarioDetail:
    """Save a new version; sessions already practised keep the version they used.

    Only the scenario's author or an admin may edit it; a built-in scenario only an admin, and
    the edit is a new version beside the shipped one (which a later upgrade does not replace).
    """
    library.check_can_edit(db, scenario_id, trainer)
    scenario = library.validate_authored(body.yaml)
    if scenario.id != scenario_id:
        raise InvalidInput(f"id: must stay '{scenario_id}' (got '{scenario.id}')")
    row = library.save_version(db, scenario, source="custom", author_id=trainer.id)
    return ScenarioDetail.from_row(row)


@router.get("/{scenario_id}/source", response_class=PlainTextResponse)
def scenario_source(scenario_id: str, _trainer: TrainerUser, db: DbSession) -> str:
    """The full YAML, hidden concern included: for trainers editing it, never for learners."""
    return library.to_yaml(library.current_version(db, scenario_id))
