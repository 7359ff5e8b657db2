"""A trainer's and a learner's flows over real HTTP with a real database."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import httpx

from tests.cohorts.helpers import join_cohort
from tests.conftest import Accounts

LINES = [
    "Thanks for making the time. What's been on your plate this sprint?",
    "It sounds like you've been stretched across more than one team.",
    "What has made the deadlines hard to hit?",
    "So the scope kept growing while the date stayed fixed.",
]


def practise(client: httpx.Client, scenario: str, assignment_id: int | None = None) -> str:
    body: dict = {"scenario_id": scenario}
    if assignment_id is not None:
        body["assignment_id"] = assignment_id
    session_id = client.post("/api/v1/sessions", json=body).json()["session"]["id"]
    for line in LINES:
        client.post(f"/api/v1/sessions/{session_id}/turns", json={"text": line}).raise_for_status()
    return session_id


def test_trainer_assigns_and_follows_status_progress_and_csv(accounts: Accounts) -> None:
    _, trainer = accounts.create("trainer", "Tess Trainer")
    ana_user, ana = accounts.create("learner", "Ana Learner")
    ben_user, ben = accounts.create("learner", "Ben Learner")

    cohort = trainer.post("/api/v1/cohorts", json={"name": "Spring cohort"}).json()
    for user, client in ((ana_user, ana), (ben_user, ben)):
        join_cohort(trainer, client, cohort["id"], user["email"])
    again = trainer.post(
        f"/api/v1/cohorts/{cohort['id']}/members", json={"email": ana_user["email"]}
    )
    assert again.status_code == 409
    detail = trainer.get(f"/api/v1/cohorts/{cohort['id']}").json()
    assert {m["email"] for m in detail["members"]} == {ana_user["email"], ben_user["email"]}

    past_due = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assignment = trainer.post(
        "/api/v1/assignments",
        json={
            "scenario_id": "missed-deadlines",
            "cohort_id": cohort["id"],
            "due_at": past_due,
            "target_levels": {"active_listening": 1},
        },
    )
    assert assignment.status_code == 201, assignment.text
    assignment_id = assignment.json()["id"]

    def statuses() -> dict[str, str]:
        rows = trainer.get(f"/api/v1/assignments/{assignment_id}").json()["statuses"]
        return {row["learner"]["email"]: row["status"] for row in rows}

    assert statuses() == {ana_user["email"]: "not_started", ben_user["email"]: "not_started"}
    mine = ana.get("/api/v1/me/assignments").json()
    assert [(a["id"], a["status"]) for a in mine] == [(assignment_id, "not_started")]

    session_id = practise(ana, "missed-deadlines", assignment_id)
    assert statuses()[ana_user["email"]] == "in_progress"
    scorecard = ana.post(f"/api/v1/sessions/{session_id}/end").json()
    level = {s["skill"]: s["level"] for s in scorecard["skills"]}["active_listening"]
    assert statuses()[ana_user["email"]] == ("target_met" if level and level >= 1 else "done")

    progress = trainer.get(f"/api/v1/cohorts/{cohort['id']}/progress").json()
    by_email = {row["email"]: row for row in progress}
    assert len(by_email[ana_user["email"]]["sessions"]) == 1
    assert by_email[ana_user["email"]]["behind"] is False
    assert by_email[ben_user["email"]]["behind"] is True, (
        "Ben has not started a past-due assignment"
    )

    exported = trainer.get(f"/api/v1/cohorts/{cohort['id']}/progress.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {row["email"] for row in rows} == {ana_user["email"], ben_user["email"]}
    ana_row = next(row for row in rows if row["email"] == ana_user["email"])
    assert ana_row["sessions_scored"] == "1" and ana_row["behind"] == "no"

    removed = trainer.delete(f"/api/v1/cohorts/{cohort['id']}/members/{ben_user['id']}")
    assert removed.json()["member_count"] == 1


def test_learner_progress_and_question_style_profile(accounts: Accounts) -> None:
    _, ana = accounts.create("learner")
    for scenario in ("missed-deadlines", "burned-out-peer"):
        session_id = practise(ana, scenario)
        ana.post(f"/api/v1/sessions/{session_id}/end").raise_for_status()
    progress = ana.get("/api/v1/me/progress").json()
    assert [p["scenario"] for p in progress["sessions"]] == ["missed-deadlines", "burned-out-peer"]
    style = ana.get("/api/v1/me/question-style").json()
    assert len(style) == 2
    first = style[0]
    assert first["questions"] >= 2 and first["open_question_pct"] is not None
    assert first["reflection_to_question"] is not None
    assert first["session_id"] == progress["sessions"][0]["session_id"]


def test_trainer_authors_and_versions_a_scenario(accounts: Accounts) -> None:
    _, trainer = accounts.create("trainer")
    _, learner = accounts.create("learner")
    source = trainer.get("/api/v1/scenarios/missed-deadlines/source")
    assert source.status_code == 200 and "layers" in source.text
    assert learner.get("/api/v1/scenarios/missed-deadlines/source").status_code == 403

    old_session = learner.post("/api/v1/sessions", json={"scenario_id": "missed-deadlines"}).json()
    edited = source.text.replace("title: ", "title: (Edited) ", 1)
    refused = trainer.put("/api/v1/scenarios/missed-deadlines", json={"yaml": edited})
    assert refused.status_code == 403, "a built-in scenario is edited by an admin only"
    updated = accounts.admin.put("/api/v1/scenarios/missed-deadlines", json={"yaml": edited})
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == old_session["session"]["scenario_version"] + 1
    kept = learner.get(f"/api/v1/sessions/{old_session['session']['id']}").json()
    assert kept["scenario_version"] == old_session["session"]["scenario_version"]

    new_copy = source.text.replace("id: missed-deadlines", "id: missed-deadlines-ops", 1)
    created = trainer.post("/api/v1/scenarios", json={"yaml": new_copy})
    assert created.status_code == 201 and created.json()["source"] == "custom"
    own_edit = new_copy.replace("title: ", "title: (Ops) ", 1)
    revised = trainer.put("/api/v1/scenarios/missed-deadlines-ops", json={"yaml": own_edit})
    assert revised.status_code == 200 and revised.json()["version"] == 2, revised.text

    broken = new_copy.replace("difficulty: medium", "difficulty: brutal", 1)
    rejected = trainer.put("/api/v1/scenarios/missed-deadlines-ops", json={"yaml": broken})
    assert rejected.status_code == 422
    assert "difficulty" in rejected.json()["error"]["message"]
    assert learner.post("/api/v1/scenarios", json={"yaml": new_copy}).status_code == 403
