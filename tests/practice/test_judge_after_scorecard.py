"""The LLM judge runs after the scorecard is returned (issue 13): ending a session never waits
for it, it has its own time limit, and GET .../scorecard shows its opinion once it is in."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Accounts, LiveServer, make_settings
from tests.llm_fixtures import llm_server  # noqa: F401
from tests.llm_server import FakeLLMServer, RecordedRequest, Reply, Step

JUDGED = {
    "skills": [
        {"skill": s, "level": 4, "reason": "Asked open questions."}
        for s in ("active_listening", "questioning", "feedback")
    ]
}


def judge_after(delay_s: float) -> object:
    """Peer turns get a line at once; the judge (JSON mode) answers after ``delay_s``."""

    def answer(request: RecordedRequest) -> Step:
        if request.body.get("response_format"):
            time.sleep(delay_s)
            return Reply(json.dumps(JUDGED))
        return Reply("Honestly? It has been a long month.")

    return answer


@pytest.fixture
def judged_api(
    tmp_path: Path,
    shared_index_dir: Path,
    llm_server: FakeLLMServer,  # noqa: F811
) -> Iterator[tuple[httpx.Client, FakeLLMServer]]:
    settings = make_settings(
        tmp_path,
        shared_index_dir,
        llm_base_url=llm_server.url,
        llm_max_retries=0,
        llm_timeout_s=10.0,
        llm_judge_timeout_s=2.0,
    )
    server = LiveServer(settings).start()
    accounts = Accounts(server)
    yield accounts.create("learner")[1], llm_server
    accounts.close()
    server.stop()


def practise_and_end(api: httpx.Client) -> tuple[str, httpx.Response, float]:
    session_id = api.post("/api/v1/sessions", json={"scenario_id": "missed-deadlines"}).json()[
        "session"
    ]["id"]
    said = api.post(
        f"/api/v1/sessions/{session_id}/turns",
        json={"text": "How have things been going for you lately?"},
    )
    assert said.status_code == 200, said.text
    started = time.monotonic()
    ended = api.post(f"/api/v1/sessions/{session_id}/end")
    return session_id, ended, time.monotonic() - started


def stored_judge(api: httpx.Client, session_id: str, wait_s: float = 15.0) -> dict:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        card = api.get(f"/api/v1/sessions/{session_id}/scorecard").json()
        if card.get("judge"):
            return card
        time.sleep(0.2)
    raise AssertionError("the judge never arrived")


def test_end_returns_before_the_judge_and_the_judge_arrives_later(
    judged_api: tuple[httpx.Client, FakeLLMServer],
) -> None:
    api, llm = judged_api
    llm.default = judge_after(1.0)
    session_id, ended, took = practise_and_end(api)
    assert ended.status_code == 200, ended.text
    # Had the end waited for the judge, its opinion would be in this response.
    assert ended.json()["judge"] is None, f"the levels do not wait for the judge ({took:.1f} s)"
    card = stored_judge(api, session_id)
    assert card["judge"]["status"] == "scored"
    assert {s["level"] for s in card["judge"]["skills"]} == {4}
    assert card["skills"] == ended.json()["skills"], "the judge never moves a level"
    judge_requests = [r for r in llm.requests if r.body.get("response_format")]
    assert len(judge_requests) == 1


def test_a_judge_over_its_own_time_limit_is_stored_unscored(
    judged_api: tuple[httpx.Client, FakeLLMServer],
) -> None:
    api, llm = judged_api
    llm.default = judge_after(5.0)  # past llm_judge_timeout_s=2.0
    session_id, ended, took = practise_and_end(api)
    assert ended.status_code == 200 and ended.json()["judge"] is None, took
    card = stored_judge(api, session_id)
    assert card["judge"]["status"] == "unscored"
    assert "judge unavailable" in card["judge"]["reason"], card["judge"]
