"""Every endpoint that takes an id, tried with someone else's id: 404, never a leak.

One world is built per test: learners Ana and Ben, trainer Tess running a cohort with Ana,
trainer Theo running a cohort with Ben. Ana practises once and ends the session.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx
import pytest

from tests.cohorts.helpers import join_cohort
from tests.conftest import Accounts


@dataclass
class World:
    ana: httpx.Client
    ben: httpx.Client
    tess: httpx.Client
    theo: httpx.Client
    ana_id: int
    ben_id: int
    session_id: str
    cohort_id: int
    assignment_id: int
    token_id: int


@pytest.fixture
def world(accounts: Accounts) -> World:
    ana_user, ana = accounts.create("learner", "Ana")
    ben_user, ben = accounts.create("learner", "Ben")
    _, tess = accounts.create("trainer", "Tess")
    _, theo = accounts.create("trainer", "Theo")
    cohort = tess.post("/api/v1/cohorts", json={"name": "Tess's cohort"}).json()
    join_cohort(tess, ana, cohort["id"], ana_user["email"])
    theirs = theo.post("/api/v1/cohorts", json={"name": "Theo's cohort"}).json()
    join_cohort(theo, ben, theirs["id"], ben_user["email"])
    assignment = tess.post(
        "/api/v1/assignments",
        json={"scenario_id": "missed-deadlines", "cohort_id": cohort["id"]},
    ).json()
    session_id = ana.post(
        "/api/v1/sessions",
        json={"scenario_id": "missed-deadlines", "assignment_id": assignment["id"]},
    ).json()["session"]["id"]
    ana.post(f"/api/v1/sessions/{session_id}/turns", json={"text": "How are things going?"})
    token_id = ana.post("/api/v1/me/tokens", json={"name": "spare"}).json()["id"]
    return World(
        ana,
        ben,
        tess,
        theo,
        ana_user["id"],
        ben_user["id"],
        session_id,
        cohort["id"],
        assignment["id"],
        token_id,
    )


SESSION_READS = ["GET /api/v1/sessions/{session}", "GET /api/v1/sessions/{session}/transcript"]
SESSION_WRITES = [
    "POST /api/v1/sessions/{session}/turns",
    "POST /api/v1/sessions/{session}/end",
    "PATCH /api/v1/sessions/{session}",
]
TRAINER_READS = [
    "GET /api/v1/cohorts/{cohort}",
    "GET /api/v1/cohorts/{cohort}/progress",
    "GET /api/v1/cohorts/{cohort}/progress.csv",
    "GET /api/v1/assignments/{assignment}",
    "GET /api/v1/learners/{ana}/progress",
]
TRAINER_WRITES = [
    "POST /api/v1/cohorts/{cohort}/members",
    "DELETE /api/v1/cohorts/{cohort}/members/{ana}",
]
BODIES = {
    "turns": {"text": "Can I ask something?"},
    "members": {"email": "nobody@example.org"},
    "PATCH": {"private": True},
}


def call(client: httpx.Client, spec: str, world: World) -> httpx.Response:
    method, template = spec.split(" ", 1)
    path = template.format(
        session=world.session_id,
        cohort=world.cohort_id,
        assignment=world.assignment_id,
        ana=world.ana_id,
    )
    body = next((b for key, b in BODIES.items() if key in spec), None)
    return client.request(method, path, json=body)


@pytest.mark.parametrize(
    "spec", SESSION_READS + SESSION_WRITES + ["GET /api/v1/sessions/{session}/scorecard"]
)
@pytest.mark.parametrize("intruder", ["ben", "theo"])
def test_other_learners_and_trainers_get_404_for_a_session(
    world: World, spec: str, intruder: str
) -> None:
    response = call(getattr(world, intruder), spec, world)
    assert response.status_code == 404, (spec, response.text)
    made_up = "00000000-0000-4000-8000-000000000000"
    unknown = call(getattr(world, intruder), spec.replace("{session}", made_up), world)
    assert response.json() == json.loads(unknown.text.replace(made_up, world.session_id))


@pytest.mark.parametrize("spec", TRAINER_READS + TRAINER_WRITES)
@pytest.mark.parametrize("intruder", ["theo", "ana", "ben"])
def test_cohort_endpoints_are_404_for_other_trainers_and_403_or_404_for_learners(
    world: World, spec: str, intruder: str
) -> None:
    response = call(getattr(world, intruder), spec, world)
    expected = 404 if intruder == "theo" else 403
    assert response.status_code == expected, (spec, response.text)


def test_the_cohort_trainer_can_read_but_not_write_a_learners_session(world: World) -> None:
    for spec in SESSION_READS:
        assert call(world.tess, spec, world).status_code == 200, spec
    for spec in SESSION_WRITES:
        assert call(world.tess, spec, world).status_code == 404, spec


def test_a_private_session_shows_its_trainer_scores_but_no_transcript(world: World) -> None:
    world.ana.patch(
        f"/api/v1/sessions/{world.session_id}", json={"private": True}
    ).raise_for_status()
    world.ana.post(f"/api/v1/sessions/{world.session_id}/end").raise_for_status()
    transcript = world.tess.get(f"/api/v1/sessions/{world.session_id}/transcript")
    assert transcript.status_code == 403
    scorecard = world.tess.get(f"/api/v1/sessions/{world.session_id}/scorecard")
    assert scorecard.status_code == 200
    assert "How are things going?" not in scorecard.text
    own = world.ana.get(f"/api/v1/sessions/{world.session_id}/scorecard")
    assert "How are things going?" in own.text


def test_someone_elses_token_and_assignment_ids_are_404(world: World) -> None:
    assert world.ben.delete(f"/api/v1/me/tokens/{world.token_id}").status_code == 404
    started = world.ben.post(
        "/api/v1/sessions",
        json={"scenario_id": "missed-deadlines", "assignment_id": world.assignment_id},
    )
    assert started.status_code == 404
    assigned = world.theo.post(
        "/api/v1/assignments",
        json={"scenario_id": "missed-deadlines", "cohort_id": world.cohort_id},
    )
    assert assigned.status_code == 404
    direct = world.theo.post(
        "/api/v1/assignments",
        json={"scenario_id": "missed-deadlines", "learner_id": world.ana_id},
    )
    assert direct.status_code == 404
