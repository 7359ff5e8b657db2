"""The practice loop over real HTTP against the live app and a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from tests.conftest import Accounts, LiveServer, admin_token, make_settings

SCENARIO = "missed-deadlines"

GOOD_LISTENING = [
    "Thanks for making time. How have things been for you on the project lately?",
    "It sounds like the last few weeks have been a lot heavier than usual.",
    "What has been getting in the way of the deadlines?",
    "So the estimates were set before you knew the scope,"
    " and you've been carrying more than people see.",
    "What would help you most right now?",
]


def start(api: httpx.Client, scenario: str = SCENARIO, **extra: object) -> dict:
    response = api.post("/api/v1/sessions", json={"scenario_id": scenario, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def say(api: httpx.Client, session_id: str, text: str, **headers: str) -> httpx.Response:
    return api.post(f"/api/v1/sessions/{session_id}/turns", json={"text": text}, headers=headers)


def test_scenarios_list_and_detail_hide_the_hidden_concern(api: httpx.Client) -> None:
    listed = api.get("/api/v1/scenarios").json()
    assert len(listed) >= 12
    assert {s["id"] for s in listed} >= {SCENARIO}
    detail = api.get(f"/api/v1/scenarios/{SCENARIO}").json()
    assert detail["learner_brief"] and detail["peer"]["name"]
    assert "persona" not in detail and "layers" not in json.dumps(detail)


def test_scenarios_filter_by_difficulty(api: httpx.Client) -> None:
    hard = api.get("/api/v1/scenarios", params={"difficulty": "hard"}).json()
    assert hard and all(s["difficulty"] == "hard" for s in hard)
    assert api.get("/api/v1/scenarios", params={"difficulty": "extreme"}).status_code == 422


def test_practice_five_turns_then_scorecard(api: httpx.Client) -> None:
    started = start(api)
    session_id = started["session"]["id"]
    assert started["opening"]["speaker"] == "peer" and started["opening"]["text"]
    replies = []
    for line in GOOD_LISTENING:
        response = say(api, session_id, line)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["learner"]["text"] == line
        assert body["learner"]["moves"], "every learner turn is coded"
        assert body["peer"]["text"]
        replies.append(body["peer"]["text"])
    assert len(set(replies)) == len(replies), "the peer never repeats a line"

    turns = api.get(f"/api/v1/sessions/{session_id}/transcript").json()["turns"]
    assert [t["speaker"] for t in turns] == ["peer"] + ["learner", "peer"] * 5
    assert [t["index"] for t in turns] == list(range(11))

    assert api.get(f"/api/v1/sessions/{session_id}/scorecard").status_code == 409
    scorecard = api.post(f"/api/v1/sessions/{session_id}/end").json()
    assert {s["skill"] for s in scorecard["skills"]} >= {"active_listening", "questioning"}
    again = api.get(f"/api/v1/sessions/{session_id}/scorecard").json()
    assert again == scorecard, "a stored scorecard never changes"
    assert api.post(f"/api/v1/sessions/{session_id}/end").json() == scorecard


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "empty"), ("   \n\t ", "empty"), ("x" * 4001, "limit is 4000")],
)
def test_bad_messages_are_422_and_lose_nothing(api: httpx.Client, text: str, fragment: str) -> None:
    session_id = start(api)["session"]["id"]
    assert say(api, session_id, "What's on your mind this week?").status_code == 200
    response = say(api, session_id, text)
    assert response.status_code == 422
    assert fragment in response.json()["error"]["message"]
    turns = api.get(f"/api/v1/sessions/{session_id}/transcript").json()["turns"]
    assert len(turns) == 3


def test_exactly_4000_characters_is_accepted(api: httpx.Client) -> None:
    session_id = start(api)["session"]["id"]
    assert say(api, session_id, "a" * 4000).status_code == 200


def test_unknown_ids_are_404_with_json_error(api: httpx.Client) -> None:
    for response in (
        api.get("/api/v1/scenarios/no-such-scenario"),
        api.post("/api/v1/sessions", json={"scenario_id": "no-such-scenario"}),
        api.get("/api/v1/sessions/00000000-0000-0000-0000-000000000000/transcript"),
        say(api, "nope", "hello"),
        api.post("/api/v1/sessions/nope/end"),
        api.get("/api/v1/sessions/nope/scorecard"),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "not_found"


def test_posting_to_an_ended_session_is_409(api: httpx.Client) -> None:
    session_id = start(api)["session"]["id"]
    say(api, session_id, "How are you finding the sprint?")
    api.post(f"/api/v1/sessions/{session_id}/end")
    response = say(api, session_id, "One more thing?")
    assert response.status_code == 409
    turns = api.get(f"/api/v1/sessions/{session_id}/transcript").json()["turns"]
    assert len(turns) == 3


def test_idempotency_key_never_duplicates_a_turn(api: httpx.Client) -> None:
    session_id = start(api)["session"]["id"]
    first = say(api, session_id, "What's been hardest this month?", **{"Idempotency-Key": "k1"})
    second = say(api, session_id, "What's been hardest this month?", **{"Idempotency-Key": "k1"})
    assert first.json() == second.json()
    turns = api.get(f"/api/v1/sessions/{session_id}/transcript").json()["turns"]
    assert len(turns) == 3


def test_streamed_reply_arrives_as_server_sent_events(api: httpx.Client) -> None:
    session_id = start(api)["session"]["id"]
    with api.stream(
        "POST",
        f"/api/v1/sessions/{session_id}/turns",
        params={"stream": "true"},
        json={"text": "How has the week been for you?"},
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [
            line.removeprefix("event: ")
            for line in response.iter_lines()
            if line.startswith("event: ")
        ]
    assert events[0] == "learner" and events[-1] == "done" and "delta" in events
    turns = api.get(f"/api/v1/sessions/{session_id}/transcript").json()["turns"]
    assert len(turns) == 3


def test_restart_keeps_every_session_and_turn(settings: Settings) -> None:
    first = LiveServer(settings).start()
    auth = {"Authorization": f"Bearer {admin_token(settings)}"}
    with httpx.Client(base_url=first.url, headers=auth) as api:
        session_id = start(api)["session"]["id"]
        for line in GOOD_LISTENING[:3]:
            assert say(api, session_id, line).status_code == 200
        before = api.get(f"/api/v1/sessions/{session_id}/transcript").json()
    first.stop()

    second = LiveServer(settings).start()
    with httpx.Client(base_url=second.url, headers=auth) as api:
        after = api.get(f"/api/v1/sessions/{session_id}/transcript").json()
        assert after == before
        assert say(api, session_id, GOOD_LISTENING[3]).status_code == 200
    second.stop()


def test_health_and_readiness(api: httpx.Client) -> None:
    assert api.get("/api/v1/health").json()["status"] == "ok"
    ready = api.get("/api/v1/ready")
    assert ready.status_code == 200
    body = ready.json()
    assert body["ready"] is True and body["database"] == "ok" and int(body["scenarios"]) >= 12
    assert api.get("/openapi.json").json()["info"]["title"] == "Rehearse"


def test_the_message_limit_is_the_max_message_chars_setting(
    tmp_path: Path, shared_index_dir: Path
) -> None:
    server = LiveServer(make_settings(tmp_path, shared_index_dir, max_message_chars=40)).start()
    accounts = Accounts(server)
    try:
        _, api = accounts.create()
        session_id = start(api)["session"]["id"]
        assert say(api, session_id, "a" * 40).status_code == 200
        response = say(api, session_id, "b" * 41)
        assert response.status_code == 422
        assert "limit is 40" in response.json()["error"]["message"]
    finally:
        accounts.close()
        server.stop()
