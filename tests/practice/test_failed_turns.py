"""A learner turn the peer could not answer (issue 13): marked failed, never scored, never sent
to the model as history, and replaced by the retry or the next message; idempotency holds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import make_engine
from app.practice.models import Turn
from tests.conftest import Accounts, LiveServer, make_settings
from tests.llm_fixtures import llm_server  # noqa: F401
from tests.llm_server import FakeLLMServer, Fault, Reply

SCENARIO = "missed-deadlines"
FAILED_LINE = "Frankly, you're being ridiculous about the carrier file."


@pytest.fixture
def llm_api(
    tmp_path: Path,
    shared_index_dir: Path,
    llm_server: FakeLLMServer,  # noqa: F811
) -> Iterator[tuple[httpx.Client, FakeLLMServer, LiveServer]]:
    settings = make_settings(
        tmp_path,
        shared_index_dir,
        llm_base_url=llm_server.url,
        llm_timeout_s=3.0,
        llm_max_retries=0,
        llm_judge=False,
    )
    server = LiveServer(settings).start()
    accounts = Accounts(server)
    llm_server.default = Reply("Honestly? It has been a long month.")
    yield accounts.create("learner")[1], llm_server, server
    accounts.close()
    server.stop()


def start(api: httpx.Client) -> str:
    response = api.post("/api/v1/sessions", json={"scenario_id": SCENARIO})
    assert response.status_code == 201, response.text
    return response.json()["session"]["id"]


def say(api: httpx.Client, session_id: str, text: str, key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(f"/api/v1/sessions/{session_id}/turns", json={"text": text}, headers=headers)


def learner_rows(server: LiveServer, session_id: str) -> list[tuple[int, str, str]]:
    """(index, text, status) of the stored learner turns, read from the database itself."""
    engine = make_engine(server.settings.resolved_database_url)
    try:
        with Session(engine) as db:
            turns = db.scalars(
                select(Turn)
                .where(Turn.session_id == session_id, Turn.speaker == "learner")
                .order_by(Turn.index)
            ).all()
            return [(t.index, t.text, t.status) for t in turns]
    finally:
        engine.dispose()


def test_failed_turn_is_marked_failed_and_left_out_of_the_scorecard(
    llm_api: tuple[httpx.Client, FakeLLMServer, LiveServer],
) -> None:
    api, llm, server = llm_api
    session_id = start(api)
    assert say(api, session_id, "How have things been going for you lately?").status_code == 200
    llm.script(Fault("400"))
    failed = say(api, session_id, FAILED_LINE)
    assert failed.status_code == 503, failed.text
    assert "exceeds the context size" in failed.json()["error"]["message"], "server reason shown"
    assert learner_rows(server, session_id)[-1][1:] == (FAILED_LINE, "failed")

    scorecard = api.post(f"/api/v1/sessions/{session_id}/end")
    assert scorecard.status_code == 200, scorecard.text
    scored = [t["text"] for t in scorecard.json()["turns"] if t["is_learner"]]
    assert scored == ["How have things been going for you lately?"]
    assert "ridiculous" not in json.dumps(scorecard.json()), "nobody answered it: not scored"


def test_next_message_replaces_the_failed_turn_and_the_model_never_sees_it(
    llm_api: tuple[httpx.Client, FakeLLMServer, LiveServer],
) -> None:
    api, llm, server = llm_api
    session_id = start(api)
    llm.script(Fault("500"))
    assert say(api, session_id, FAILED_LINE).status_code == 503
    llm.requests.clear()

    retry = say(api, session_id, "What has the last month been like for you?")
    assert retry.status_code == 200, retry.text
    assert retry.json()["learner"]["index"] == 1, "the new message takes the failed turn's place"
    assert retry.json()["learner"]["moves"], "the replacement is coded afresh"
    sent = json.dumps(llm.requests[-1].messages)
    assert "ridiculous" not in sent and "last month been like" in sent
    assert learner_rows(server, session_id) == [
        (1, "What has the last month been like for you?", "ok")
    ]
    turns = api.get(f"/api/v1/sessions/{session_id}/transcript").json()["turns"]
    assert [t["speaker"] for t in turns] == ["peer", "learner", "peer"]
    assert [t["index"] for t in turns] == [0, 1, 2]


def test_a_failed_turn_is_not_sent_as_history_on_later_turns(
    llm_api: tuple[httpx.Client, FakeLLMServer, LiveServer],
) -> None:
    api, llm, server = llm_api
    session_id = start(api)
    llm.script(Fault("400"))
    assert say(api, session_id, FAILED_LINE).status_code == 503
    for line in ("What's been on your mind?", "What else is going on?"):
        assert say(api, session_id, line).status_code == 200
    for request in llm.requests[1:]:
        roles = [m["role"] for m in request.messages]
        assert "ridiculous" not in json.dumps(request.messages)
        assert roles[0] == "system" and roles[-1] == "user"
        assert all(a != b for a, b in pairwise(roles[1:])), roles
    assert [row[2] for row in learner_rows(server, session_id)] == ["ok", "ok"]


def test_retry_with_the_same_key_answers_the_failed_turn_once(
    llm_api: tuple[httpx.Client, FakeLLMServer, LiveServer],
) -> None:
    api, llm, server = llm_api
    session_id = start(api)
    line = "What has been hardest about the carrier file?"
    llm.script(Fault("400"))
    assert say(api, session_id, line, key="k-1").status_code == 503
    assert learner_rows(server, session_id) == [(1, line, "failed")]

    first = say(api, session_id, line, key="k-1")
    assert first.status_code == 200, first.text
    calls = len(llm.requests)
    again = say(api, session_id, line, key="k-1")
    assert again.status_code == 200
    assert again.json() == first.json(), "a repeated key answers the saved exchange"
    assert len(llm.requests) == calls, "and never asks the model again"
    assert learner_rows(server, session_id) == [(1, line, "ok")]
    turns = api.get(f"/api/v1/sessions/{session_id}/transcript").json()["turns"]
    assert [t["index"] for t in turns] == [0, 1, 2]


def test_a_streamed_reply_that_fails_marks_the_turn_failed(
    llm_api: tuple[httpx.Client, FakeLLMServer, LiveServer],
) -> None:
    api, llm, server = llm_api
    session_id = start(api)
    llm.script(Fault("400"))
    with api.stream(
        "POST",
        f"/api/v1/sessions/{session_id}/turns",
        json={"text": FAILED_LINE},
        params={"stream": "true"},
    ) as response:
        body = "".join(response.iter_text())
    assert "event: error" in body, body
    assert learner_rows(server, session_id) == [(1, FAILED_LINE, "failed")]
    assert say(api, session_id, "What's been on your mind?").status_code == 200
    assert learner_rows(server, session_id) == [(1, "What's been on your mind?", "ok")]
