"""Trainers' custom rubrics over real HTTP: authoring, versions, access, and scoring with them.

The rubrics are the built-in questioning rubric with its thresholds moved: "lenient" puts
every observed value at level 5 and "harsh" every value at level 1, so a scorecard shows
unmistakably which rubric scored it.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from app.config import PACKAGE_DIR
from app.db import MIGRATIONS_DIR, make_engine, migrate
from tests.cohorts.helpers import join_cohort
from tests.conftest import Accounts

BUILTIN = yaml.safe_load(
    (PACKAGE_DIR / "rubrics" / "02-questioning.yaml").read_text(encoding="utf-8")
)
# Why-questions and stacked closed questions keep the built-in questioning level in the middle.
LINES = [
    "Thanks for making the time. What's been on your plate this sprint?",
    "It sounds like you've been stretched across more than one team.",
    "Why did you miss the deadline again?",
    "Did you tell anyone? Did you ask for help?",
    "So the scope kept growing while the date stayed fixed.",
]


def rubric_yaml(kind: str, **changes: Any) -> str:
    """The built-in questioning rubric with thresholds that put any value at level 5 or 1."""
    data = copy.deepcopy(BUILTIN)
    data.update(id="team-questioning", version=f"{kind}-1", title=f"Questioning ({kind})")
    for criterion in data["criteria"]:
        rising = criterion["direction"] == "higher_is_better"
        steps = (-4, -3, -2, -1) if kind == "lenient" else (101, 102, 103, 104)
        criterion["thresholds"] = {
            level: (step if rising else -step)
            for level, step in zip((2, 3, 4, 5), steps, strict=True)
        }
        criterion.pop("worst", None)
    data.update(changes)
    return yaml.safe_dump(data, sort_keys=False)


LENIENT = rubric_yaml("lenient")
HARSH = rubric_yaml("harsh")


def error_message(response: httpx.Response) -> str:
    message: str = response.json()["error"]["message"]
    return message


def practise_and_end(client: httpx.Client, assignment_id: int | None = None) -> dict:
    body: dict[str, Any] = {"scenario_id": "missed-deadlines"}
    if assignment_id is not None:
        body["assignment_id"] = assignment_id
    started = client.post("/api/v1/sessions", json=body)
    assert started.status_code == 201, started.text
    session_id = started.json()["session"]["id"]
    for line in LINES:
        client.post(f"/api/v1/sessions/{session_id}/turns", json={"text": line}).raise_for_status()
    ended = client.post(f"/api/v1/sessions/{session_id}/end")
    assert ended.status_code == 200, ended.text
    return {"session_id": session_id, **ended.json()}


def skill(scorecard: dict, name: str) -> dict:
    return next(s for s in scorecard["skills"] if s["skill"] == name)


def test_trainer_creates_lists_reads_and_versions_a_rubric(accounts: Accounts) -> None:
    _, tess = accounts.create("trainer", "Tess")
    _, theo = accounts.create("trainer", "Theo")

    created = tess.post("/api/v1/custom-rubrics", json={"name": "team-q", "yaml": LENIENT})
    assert created.status_code == 201, created.text
    first = created.json()
    assert (first["name"], first["version"], first["skill"]) == ("team-q", 1, "questioning")
    assert first["created_at"] and first["yaml"] == LENIENT
    assert first["rubric"]["title"] == "Questioning (lenient)"
    assert first["rubric"]["criteria"][0]["thresholds"] == {
        "2": -4.0,
        "3": -3.0,
        "4": -2.0,
        "5": -1.0,
    }

    again = tess.post("/api/v1/custom-rubrics", json={"name": "team-q", "yaml": HARSH})
    assert again.status_code == 409, "a second rubric with the same name would hide the first"
    theirs = theo.post("/api/v1/custom-rubrics", json={"name": "team-q", "yaml": HARSH})
    assert theirs.status_code == 201, "names are per trainer, so another trainer's is no clash"

    edited = tess.put(f"/api/v1/custom-rubrics/{first['id']}", json={"yaml": HARSH})
    assert edited.status_code == 200, edited.text
    second = edited.json()
    assert second["id"] != first["id"] and second["version"] == 2
    assert second["rubric"]["title"] == "Questioning (harsh)"
    assert [v["version"] for v in second["versions"]] == [1, 2]

    unchanged = tess.put(f"/api/v1/custom-rubrics/{first['id']}", json={"yaml": HARSH})
    assert unchanged.json()["id"] == second["id"], "saving the same YAML adds no version"

    old = tess.get(f"/api/v1/custom-rubrics/{first['id']}").json()
    assert old["version"] == 1 and old["yaml"] == LENIENT, "old versions are kept as they were"

    listed = tess.get("/api/v1/custom-rubrics").json()
    assert [(r["id"], r["version"]) for r in listed] == [(second["id"], 2)], "own, newest only"


BAD_RUBRICS = {
    "not YAML": ("id: [unclosed", ["not valid YAML", "line"]),
    "not a mapping": ("- just\n- a list\n", ["must be a YAML mapping"]),
    "thresholds out of order": (
        LENIENT.replace("2: -4", "2: -1.5", 1),
        ["criteria.0", "thresholds", "rise strictly"],
    ),
    "unknown metric": (
        LENIENT.replace("metric: pct_open_questions", "metric: pct_clever_questions", 1),
        ["criteria.0.metric", "unknown metric 'pct_clever_questions'"],
    ),
    "missing title": (rubric_yaml("lenient", title=None), ["title"]),
    "unknown field": (rubric_yaml("lenient", colour="blue"), ["colour", "not permitted"]),
    "unscored skill": (
        rubric_yaml("lenient", skill="negotiation"),
        ["skill", "'negotiation' is not a scored skill"],
    ),
    "over 100 kB": (LENIENT + "# " + "x" * 100_000 + "\n", ["yaml", "at most 100000 characters"]),
}


def test_a_bad_rubric_is_a_422_naming_the_field_and_saves_nothing(accounts: Accounts) -> None:
    _, tess = accounts.create("trainer", "Tess")
    kept = tess.post("/api/v1/custom-rubrics", json={"name": "kept", "yaml": LENIENT}).json()
    for case, (source, expected) in BAD_RUBRICS.items():
        created = tess.post("/api/v1/custom-rubrics", json={"name": "broken", "yaml": source})
        assert created.status_code == 422, (case, created.text)
        for words in expected:
            assert words in error_message(created), (case, error_message(created))
        edited = tess.put(f"/api/v1/custom-rubrics/{kept['id']}", json={"yaml": source})
        assert edited.status_code == 422, (case, edited.text)
    bad_name = tess.post("/api/v1/custom-rubrics", json={"name": "Team Q!", "yaml": LENIENT})
    assert bad_name.status_code == 422 and "name" in error_message(bad_name)
    listed = tess.get("/api/v1/custom-rubrics").json()
    assert [(r["name"], r["version"]) for r in listed] == [("kept", 1)]


@dataclass
class World:
    tess: httpx.Client
    theo: httpx.Client
    ana: httpx.Client
    admin: httpx.Client
    ana_id: int
    cohort_id: int
    rubric_id: int


@pytest.fixture
def world(accounts: Accounts) -> World:
    ana_user, ana = accounts.create("learner", "Ana")
    _, tess = accounts.create("trainer", "Tess")
    _, theo = accounts.create("trainer", "Theo")
    cohort = tess.post("/api/v1/cohorts", json={"name": "Tess's cohort"}).json()
    join_cohort(tess, ana, cohort["id"], ana_user["email"])
    rubric = tess.post("/api/v1/custom-rubrics", json={"name": "team-q", "yaml": LENIENT})
    assert rubric.status_code == 201, rubric.text
    return World(tess, theo, ana, accounts.admin, ana_user["id"], cohort["id"], rubric.json()["id"])


RUBRIC_CALLS = ["GET /api/v1/custom-rubrics/{rubric}", "PUT /api/v1/custom-rubrics/{rubric}"]


def call(client: httpx.Client, spec: str, rubric_id: int | str) -> httpx.Response:
    method, template = spec.split(" ", 1)
    body = {"yaml": HARSH} if method == "PUT" else None
    return client.request(method, template.format(rubric=rubric_id), json=body)


@pytest.mark.parametrize("spec", RUBRIC_CALLS)
def test_someone_elses_rubric_is_404_like_a_missing_one(world: World, spec: str) -> None:
    response = call(world.theo, spec, world.rubric_id)
    assert response.status_code == 404, (spec, response.text)
    unknown = call(world.theo, spec, 987654)
    assert response.json() == json.loads(unknown.text.replace("987654", str(world.rubric_id)))
    assert world.theo.get("/api/v1/custom-rubrics").json() == []
    assert call(world.tess, spec, world.rubric_id).status_code == 200, "the owner still can"


def test_learners_get_403_everywhere(world: World) -> None:
    assert world.ana.get("/api/v1/custom-rubrics").status_code == 403
    made = world.ana.post("/api/v1/custom-rubrics", json={"name": "mine", "yaml": LENIENT})
    assert made.status_code == 403
    for spec in RUBRIC_CALLS:
        assert call(world.ana, spec, world.rubric_id).status_code == 403, spec


def test_assignments_only_take_a_rubric_the_trainer_may_use(world: World) -> None:
    theirs = world.theo.post("/api/v1/cohorts", json={"name": "Theo's"}).json()
    borrowed = world.theo.post(
        "/api/v1/assignments",
        json={
            "scenario_id": "missed-deadlines",
            "cohort_id": theirs["id"],
            "rubric_id": world.rubric_id,
        },
    )
    assert borrowed.status_code == 404, borrowed.text
    assert "custom rubric" in error_message(borrowed)
    missing = world.tess.post(
        "/api/v1/assignments",
        json={"scenario_id": "missed-deadlines", "cohort_id": world.cohort_id, "rubric_id": 987654},
    )
    assert missing.status_code == 404
    by_admin = world.admin.post(
        "/api/v1/assignments",
        json={
            "scenario_id": "missed-deadlines",
            "cohort_id": world.cohort_id,
            "rubric_id": world.rubric_id,
        },
    )
    assert by_admin.status_code == 201, "an admin may use any trainer's rubric"
    assert by_admin.json()["rubric_id"] == world.rubric_id
    listed = world.admin.get("/api/v1/custom-rubrics").json()
    assert world.rubric_id in [r["id"] for r in listed], "an admin sees every trainer's rubrics"


def test_an_assignment_scores_with_the_rubric_version_it_was_given(world: World) -> None:
    def assign(rubric_id: int | None) -> int:
        made = world.tess.post(
            "/api/v1/assignments",
            json={
                "scenario_id": "missed-deadlines",
                "cohort_id": world.cohort_id,
                "rubric_id": rubric_id,
            },
        )
        assert made.status_code == 201, made.text
        return int(made.json()["id"])

    lenient_assignment = assign(world.rubric_id)
    harsh = world.tess.put(f"/api/v1/custom-rubrics/{world.rubric_id}", json={"yaml": HARSH})
    harsh_assignment = assign(harsh.json()["id"])

    builtin = practise_and_end(world.ana)
    lenient = practise_and_end(world.ana, lenient_assignment)
    strict = practise_and_end(world.ana, harsh_assignment)

    assert skill(builtin, "questioning")["title"] == "Questioning"
    assert skill(lenient, "questioning")["title"] == "Questioning (lenient)"
    assert skill(strict, "questioning")["title"] == "Questioning (harsh)"
    assert skill(lenient, "questioning")["rubric"] == "team-questioning@lenient-1"
    assert skill(strict, "questioning")["level"] == 1
    assert skill(lenient, "questioning")["level"] > skill(strict, "questioning")["level"]
    assert skill(lenient, "questioning")["level"] >= skill(builtin, "questioning")["level"]
    for other in ("active_listening", "feedback"):
        assert skill(lenient, other) == skill(builtin, other), "only its own skill is replaced"
    assert "+team-questioning@lenient-1+" in lenient["rubric_set"]
    assert "questioning@1" not in lenient["rubric_set"].replace("team-questioning", "")
    assert "+team-questioning@harsh-1+" in strict["rubric_set"]
    assert "team-questioning" not in builtin["rubric_set"]

    stored = world.tess.get(f"/api/v1/sessions/{lenient['session_id']}/scorecard").json()
    assert stored["rubric_set"] == lenient["rubric_set"], "the trainer sees what was stored"
    assert skill(stored, "questioning")["level"] == skill(lenient, "questioning")["level"]


def test_upgrading_a_sqlite_database_keeps_assignments_rubrics(tmp_path: Path) -> None:
    """Migration 0002 rebuilds custom_rubrics on SQLite; assignments must keep pointing at it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            for statement in (
                "INSERT INTO users (id, email, display_name, role, created_at)"
                " VALUES (1, 't@example.org', 'T', 'trainer', '2026-01-01')",
                "INSERT INTO custom_rubrics (id, name, version, skill, source_yaml, owner_id,"
                " created_at) VALUES (7, 'team-q', 1, 'questioning', 'x', 1, '2026-01-01')",
                "INSERT INTO assignments (id, scenario_slug, rubric_id, learner_id, trainer_id,"
                " target_levels, created_at) VALUES (3, 's', 7, 1, 1, '{}', '2026-01-01')",
            ):
                connection.execute(text(statement))
        migrate(engine)
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT rubric_id FROM assignments")) == 7
            names = [
                c["name"] for c in inspect(connection).get_unique_constraints("custom_rubrics")
            ]
            assert names == ["uq_custom_rubrics_owner_id_name_version"]
    finally:
        engine.dispose()
