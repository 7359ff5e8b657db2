"""Regression tests for issue 14: no request can freeze or break the service.

Each test names the defect it guards. They run against the real app over HTTP, as an
attacker or a crowd would reach it.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import text

from app.config import Settings
from app.db import make_engine
from app.main import create_app, uvicorn_options
from tests.conftest import Accounts, LiveServer, make_settings
from tests.llm_fixtures import llm_server  # noqa: F401
from tests.llm_server import FakeLLMServer, Fault, Reply
from tests.web.conftest import People, csrf_token

SCENARIO = "missed-deadlines"


def _start(client: httpx.Client) -> str:
    started = client.post("/api/v1/sessions", json={"scenario_id": SCENARIO})
    assert started.status_code == 201, started.text
    return started.json()["session"]["id"]


# --- silent enrolment ------------------------------------------------------------------------


def test_enrolment_a_trainer_only_invites_and_sees_practice_from_joining_on(
    accounts: Accounts,
) -> None:
    ana_user, ana = accounts.create("learner", "Ana")
    _, tess = accounts.create("trainer", "Tess")
    other_trainer, _ = accounts.create("trainer", "Theo")
    before = _start(ana)
    cohort = tess.post("/api/v1/cohorts", json={"name": "Tess's"}).json()

    invited = tess.post(
        f"/api/v1/cohorts/{cohort['id']}/members", json={"email": "ANA1@example.org"}
    )
    assert invited.status_code in (202, 404)  # whatever the address, never a silent add
    invited = tess.post(
        f"/api/v1/cohorts/{cohort['id']}/members", json={"email": ana_user["email"]}
    )
    assert invited.status_code == 202 and invited.json()["status"] == "invited"
    assert tess.get(f"/api/v1/cohorts/{cohort['id']}").json()["members"] == []
    assert tess.get(f"/api/v1/learners/{ana_user['id']}/progress").status_code == 404
    for person in (other_trainer["email"], "admin@localhost"):
        refused = tess.post(f"/api/v1/cohorts/{cohort['id']}/members", json={"email": person})
        assert refused.status_code == 403, refused.text

    invitations = ana.get("/api/v1/me/invitations").json()
    assert [i["cohort_name"] for i in invitations] == ["Tess's"]
    assert ana.post(f"/api/v1/me/invitations/{invitations[0]['id']}/accept").status_code == 200
    after = _start(ana)

    assert tess.get(f"/api/v1/sessions/{before}").status_code == 404
    assert tess.get(f"/api/v1/sessions/{before}/transcript").status_code == 404
    assert tess.get(f"/api/v1/sessions/{after}").status_code == 200
    admin_adds = accounts.admin.post(
        f"/api/v1/cohorts/{cohort['id']}/members", json={"email": other_trainer["email"]}
    )
    assert admin_adds.status_code == 201 and admin_adds.json()["status"] == "member"


# --- scenario overwrite ----------------------------------------------------------------------


def _scenario_yaml(client: httpx.Client, slug: str) -> str:
    source = client.get(f"/api/v1/scenarios/{slug}/source")
    assert source.status_code == 200, source.text
    return source.text


def test_scenario_edits_only_by_the_author_or_an_admin(accounts: Accounts) -> None:
    _, tess = accounts.create("trainer", "Tess")
    _, theo = accounts.create("trainer", "Theo")
    builtin = _scenario_yaml(tess, SCENARIO)

    assert tess.put(f"/api/v1/scenarios/{SCENARIO}", json={"yaml": builtin}).status_code == 403
    custom = builtin.replace(f"id: {SCENARIO}", "id: tess-own", 1)
    assert tess.post("/api/v1/scenarios", json={"yaml": custom}).status_code == 201
    assert theo.put("/api/v1/scenarios/tess-own", json={"yaml": custom}).status_code == 403
    edited = custom.replace("title:", "title: Edited", 1)
    assert tess.put("/api/v1/scenarios/tess-own", json={"yaml": edited}).status_code == 200
    by_admin = accounts.admin.put(
        f"/api/v1/scenarios/{SCENARIO}", json={"yaml": builtin.replace("title:", "title: New", 1)}
    )
    assert by_admin.status_code == 200 and by_admin.json()["version"] == 2


# --- smaller gaps ----------------------------------------------------------------------------


def test_the_last_admin_cannot_delete_itself(accounts: Accounts) -> None:
    refused = accounts.admin.request("DELETE", "/api/v1/me", json={"confirm": "delete my data"})
    assert refused.status_code == 409
    assert accounts.admin.get("/api/v1/me").status_code == 200


def test_json_logout_refuses_another_origin(live_server: LiveServer, accounts: Accounts) -> None:
    user, _ = accounts.create("learner")
    with httpx.Client(base_url=live_server.url) as browser:
        password = f"pw-learner-{accounts._count}-long-enough"
        browser.post("/api/v1/auth/login", json={"email": user["email"], "password": password})
        evil = browser.post("/api/v1/auth/logout", headers={"Origin": "https://evil.example"})
        assert evil.status_code == 403
        assert browser.get("/api/v1/me").status_code == 200
        assert (
            browser.post("/api/v1/auth/logout", headers={"Origin": live_server.url}).status_code
            == 204
        )


def _login(
    client: httpx.Client, email: str, password: str = "wrong-password", **headers: str
) -> int:
    return client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}, headers=headers
    ).status_code


def test_login_limiter_counts_email_variants_as_one(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url) as client:
        variants = [
            " victim@example.org",
            "victim@example.org\t",
            "VICTIM@example.org",
            "vic tim@example.org",
            "victim@example.org ",
        ]
        assert [
            _login(client, v, **{"X-Forwarded-For": f"10.0.0.{n}"}) for n, v in enumerate(variants)
        ] == [401] * 5
        assert _login(client, "\tvictim@EXAMPLE.org") == 429


def test_a_successful_login_resets_the_address_count(
    accounts: Accounts, live_server: LiveServer
) -> None:
    user, _ = accounts.create("learner")
    password = f"pw-learner-{accounts._count}-long-enough"
    with httpx.Client(base_url=live_server.url) as client:
        assert [_login(client, f"nobody{n}@example.org") for n in range(4)] == [401] * 4
        assert _login(client, user["email"], password) == 200
        assert [_login(client, f"other{n}@example.org") for n in range(4)] == [401] * 4
        assert _login(client, user["email"], password) == 200


class _Server:
    """The app under uvicorn with the options `rehearse serve` uses."""

    def __init__(self, settings: Settings) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        config = uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            **uvicorn_options(settings),
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def test_x_forwarded_for_is_not_trusted_by_default(settings: Settings) -> None:
    server = _Server(settings)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
            tries = [
                _login(client, f"u{n}@example.org", **{"X-Forwarded-For": f"10.1.1.{n}"})
                for n in range(6)
            ]
        assert tries == [401] * 5 + [429]
    finally:
        server.stop()


# --- bad input: 4xx, never 500 ---------------------------------------------------------------

HUGE = 2**63


def test_bad_inputs_are_4xx_and_the_connection_survives(accounts: Accounts) -> None:
    _, trainer = accounts.create("trainer")
    _, learner = accounts.create("learner")
    session_id = _start(learner)
    nested = b'{"content": ' + b"[" * 5_000 + b"]" * 5_000 + b', "learner": "a"}'
    deep_yaml = "a: " + "[" * 5_000 + "]" * 5_000
    cases = [
        (trainer, "GET", f"/api/v1/cohorts/{HUGE}", None),
        (trainer, "GET", f"/api/v1/assignments/{HUGE * 4}", None),
        (trainer, "GET", f"/api/v1/learners/{HUGE}/progress", None),
        (trainer, "GET", f"/api/v1/custom-rubrics/{HUGE}", None),
        (learner, "DELETE", f"/api/v1/me/tokens/{HUGE}", None),
        (learner, "POST", f"/api/v1/me/invitations/{HUGE}/accept", None),
        (learner, "POST", "/api/v1/score", nested),
        (trainer, "POST", "/api/v1/scenarios", {"yaml": deep_yaml}),
        (trainer, "POST", "/api/v1/custom-rubrics", {"name": "deep", "yaml": deep_yaml}),
        (learner, "POST", f"/api/v1/sessions/{session_id}/turns", {"text": "hi \ud800 there"}),
        (trainer, "POST", "/api/v1/cohorts", {"name": "team \udfff"}),
        (learner, "POST", "/api/v1/me/tokens", {"name": "\ud83d"}),
        (
            learner,
            "POST",
            "/api/v1/score",
            {"content": "Ana: " + "a" * 10_001, "learner": "Ana"},
        ),
    ]
    for client, method, path, body in cases:
        # json.dumps escapes lone surrogates as \\udXXX, as a hostile client would send them
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        response = client.request(
            method, path, content=raw, headers={"Content-Type": "application/json"}
        )
        assert 400 <= response.status_code < 500, (path, response.status_code, response.text[:200])
        assert response.json()["error"]["code"]
    raw = learner.post(
        "/api/v1/sessions",
        content=b'{"scenario_id": ',
        headers={"Content-Type": "application/json"},
    )
    assert raw.status_code in (400, 422)
    assert learner.get("/api/v1/me").status_code == 200  # same client, connection still usable


def test_a_body_over_the_limit_is_413(api: httpx.Client) -> None:
    response = api.post("/api/v1/score", json={"content": "x" * 2_100_000, "learner": "a"})
    assert response.status_code == 413
    assert api.get("/api/v1/me").status_code == 200


# --- transcript text in the log --------------------------------------------------------------


def test_database_errors_never_print_bound_parameters(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, said TEXT NOT NULL)"))
        connection.execute(text("INSERT INTO t VALUES (1, 'x')"))
    secret = "my manager shouted at me on Tuesday"
    with pytest.raises(Exception) as caught, engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1, :said)"), {"said": secret})
    assert "UNIQUE" in str(caught.value)
    assert secret not in str(caught.value)


def test_the_log_holds_no_learner_text(api: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    session_id = _start(api)
    secret = "my private worry about Dana \ud800"
    with caplog.at_level(logging.DEBUG):
        api.post(
            f"/api/v1/sessions/{session_id}/turns",
            content=json.dumps({"text": secret}),
            headers={"Content-Type": "application/json"},
        )
        api.post(
            "/api/v1/score",
            content=json.dumps({"content": [{"speaker": "a", "text": secret}], "learner": "zz"}),
            headers={"Content-Type": "application/json"},
        )
    assert caplog.records
    assert not any(
        "private worry" in r.getMessage() or "private worry" in (r.exc_text or "")
        for r in caplog.records
    )


# --- concurrency -----------------------------------------------------------------------------


def test_fifty_concurrent_starts_on_fresh_tokens_never_fail(accounts: Accounts) -> None:
    _, owner = accounts.create("learner")
    tokens = [
        owner.post("/api/v1/me/tokens", json={"name": f"t{n}"}).json()["token"] for n in range(50)
    ]
    clients = [accounts.client(token) for token in tokens]
    with ThreadPoolExecutor(50) as pool:
        codes = list(
            pool.map(
                lambda c: c.post("/api/v1/sessions", json={"scenario_id": SCENARIO}).status_code,
                clients,
            )
        )
    assert codes.count(201) == 50, codes


def test_a_saturated_pool_answers_503_with_retry_after(
    tmp_path: Path, shared_index_dir: Path
) -> None:
    settings = make_settings(
        tmp_path, shared_index_dir, db_pool_size=1, db_pool_timeout_s=0.01, worker_threads=16
    )
    server = LiveServer(settings).start()
    try:
        accounts = Accounts(server)
        clients = [accounts.admin] * 40
        with ThreadPoolExecutor(40) as pool:
            answers = list(pool.map(lambda c: c.get("/api/v1/scenarios"), clients))
        codes = {a.status_code for a in answers}
        assert codes <= {200, 503}, codes
        assert all(a.headers.get("Retry-After") for a in answers if a.status_code == 503)
        accounts.close()
    finally:
        server.stop()


# --- a hanging LLM blocks no one -------------------------------------------------------------


@pytest.fixture
def slow_llm_server(
    tmp_path: Path,
    shared_index_dir: Path,
    llm_server: FakeLLMServer,  # noqa: F811
) -> Iterator[tuple[LiveServer, FakeLLMServer]]:
    settings = make_settings(
        tmp_path,
        shared_index_dir,
        llm_base_url=llm_server.url,
        llm_timeout_s=3.0,
        llm_max_retries=0,
        llm_turn_slots=2,
        llm_slot_wait_s=0.2,
        worker_threads=8,
        sse_heartbeat_s=0.5,
    )
    server = LiveServer(settings).start()
    yield server, llm_server
    server.stop()


def test_hanging_llm_turns_leave_reads_fast_and_overflow_gets_503(
    slow_llm_server: tuple[LiveServer, FakeLLMServer],
) -> None:
    server, llm = slow_llm_server
    llm.default = Fault("slow", delay_s=2.5)
    accounts = Accounts(server)
    _, learner = accounts.create("learner")
    sessions = [_start(learner) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        turns = [
            pool.submit(learner.post, f"/api/v1/sessions/{s}/turns", json={"text": "How are you?"})
            for s in sessions
        ]
        time.sleep(0.6)
        for path in ("/api/v1/health", "/api/v1/me", "/api/v1/scenarios"):
            started = time.monotonic()
            assert learner.get(path).status_code == 200
            assert time.monotonic() - started < 1.0, path
        answers = [t.result() for t in turns]
    codes = [a.status_code for a in answers]
    assert 500 not in codes and codes.count(503) >= 5, codes
    busy = [a for a in answers if a.json().get("error", {}).get("code") == "llm_busy"]
    assert busy and all(a.headers["Retry-After"] for a in busy)
    accounts.close()


def test_a_broken_llm_stream_ends_with_an_error_event_and_heartbeats(
    slow_llm_server: tuple[LiveServer, FakeLLMServer],
) -> None:
    server, llm = slow_llm_server
    llm.script(Fault("broken", after_words=2), Fault("slow", delay_s=1.2))
    llm.default = Reply("fine")
    accounts = Accounts(server)
    _, learner = accounts.create("learner")
    bodies = []
    for _ in range(2):
        session_id = _start(learner)
        with learner.stream(
            "POST",
            f"/api/v1/sessions/{session_id}/turns?stream=true",
            json={"text": "How are you?"},
        ) as response:
            assert response.headers["X-Accel-Buffering"] == "no"
            bodies.append("".join(response.iter_text()))
    events = [
        [line.split(": ", 1)[1] for line in body.splitlines() if line.startswith("event: ")]
        for body in bodies
    ]
    assert events[0][0] == "learner" and events[0][-1] == "error", bodies[0]
    assert ": heartbeat" in bodies[1] and events[1][-1] in ("done", "error"), bodies[1]
    accounts.close()


def test_hanging_llm_web_turns_leave_pages_fast_and_overflow_gets_the_busy_page(
    slow_llm_server: tuple[LiveServer, FakeLLMServer],
) -> None:
    """The no-JavaScript form path waits on the LLM on a slot too, not on the page threads."""
    server, llm = slow_llm_server
    llm.default = Fault("slow", delay_s=2.5)
    accounts = Accounts(server)
    people = People(accounts, server)
    learner = people.create("learner")
    api, pages = people.api_client(learner), people.page_client(learner)
    sessions = [_start(api) for _ in range(6)]
    forms = [
        {"text": "How are you?", "csrf_token": csrf_token(pages, f"/practice/{s}")}
        for s in sessions
    ]
    with ThreadPoolExecutor(6) as pool:
        turns = [
            pool.submit(pages.post, f"/practice/{s}/say", data=form)
            for s, form in zip(sessions, forms, strict=True)
        ]
        time.sleep(0.6)
        for path in ("/api/v1/health", "/home", "/scenarios"):
            started = time.monotonic()
            assert pages.get(path).status_code == 200
            assert time.monotonic() - started < 1.0, path
        codes = [t.result().status_code for t in turns]
    assert 500 not in codes and codes.count(503) >= 3, codes
    people.close()
    accounts.close()
