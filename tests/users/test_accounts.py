"""Accounts over real HTTP: login, cookies, tokens, rate limiting, export and real deletion."""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import Accounts, LiveServer


def test_unauthenticated_requests_are_401(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url) as anonymous:
        for path in ("/api/v1/scenarios", "/api/v1/sessions", "/api/v1/me"):
            response = anonymous.get(path)
            assert response.status_code == 401
            assert response.json()["error"]["code"] == "unauthorized"
        bogus = anonymous.get("/api/v1/me", headers={"Authorization": "Bearer rh_api_forged"})
        assert bogus.status_code == 401


def test_login_sets_an_httponly_cookie_and_logout_ends_it(accounts: Accounts) -> None:
    accounts.admin.post(
        "/api/v1/users",
        json={"email": "Kim@Example.org", "password": "correct horse battery", "role": "learner"},
    ).raise_for_status()
    with httpx.Client(base_url=accounts.server.url) as browser:
        response = browser.post(
            "/api/v1/auth/login",
            json={"email": "kim@example.org", "password": "correct horse battery"},
        )
        assert response.status_code == 200
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert browser.get("/api/v1/me").json()["email"] == "kim@example.org"
        assert browser.post("/api/v1/auth/logout").status_code == 204
        assert browser.get("/api/v1/me").status_code == 401


def test_cookie_writes_from_another_site_are_refused_but_tokens_are_not(
    accounts: Accounts,
) -> None:
    accounts.admin.post(
        "/api/v1/users",
        json={"email": "cam@example.org", "password": "correct horse battery", "role": "learner"},
    ).raise_for_status()
    evil = {"Origin": "https://evil.example"}
    start = {"scenario_id": "missed-deadlines"}
    with httpx.Client(base_url=accounts.server.url) as browser:
        browser.post(
            "/api/v1/auth/login",
            json={"email": "cam@example.org", "password": "correct horse battery"},
        ).raise_for_status()
        forged = browser.post("/api/v1/sessions", json=start, headers=evil)
        assert forged.status_code == 403
        assert browser.get("/api/v1/sessions").json() == []
        same_site = browser.post(
            "/api/v1/sessions", json=start, headers={"Origin": accounts.server.url}
        )
        assert same_site.status_code == 201
        token = browser.post("/api/v1/me/tokens", json={"name": "cli"}).json()["token"]
    with httpx.Client(
        base_url=accounts.server.url, headers={"Authorization": f"Bearer {token}", **evil}
    ) as script:
        assert script.post("/api/v1/sessions", json=start).status_code == 201


def test_wrong_password_is_401_and_repeated_failures_are_rate_limited(accounts: Accounts) -> None:
    accounts.admin.post(
        "/api/v1/users",
        json={"email": "lee@example.org", "password": "the right password", "role": "learner"},
    ).raise_for_status()
    with httpx.Client(base_url=accounts.server.url) as browser:
        statuses = [
            browser.post(
                "/api/v1/auth/login", json={"email": "lee@example.org", "password": f"guess {i}"}
            ).status_code
            for i in range(6)
        ]
        assert statuses[:5] == [401] * 5
        assert statuses[5] == 429
        # Even the right password waits out the window: the limiter is not an oracle.
        right = browser.post(
            "/api/v1/auth/login",
            json={"email": "lee@example.org", "password": "the right password"},
        )
        assert right.status_code == 429


def test_api_tokens_can_be_listed_and_revoked(accounts: Accounts) -> None:
    _, learner = accounts.create("learner")
    created = learner.post("/api/v1/me/tokens", json={"name": "laptop"}).json()
    listed = learner.get("/api/v1/me/tokens").json()
    assert {t["name"] for t in listed} == {"tests", "laptop"}
    assert all("token" not in t for t in listed), "a token is shown only when created"
    with httpx.Client(
        base_url=accounts.server.url, headers={"Authorization": f"Bearer {created['token']}"}
    ) as laptop:
        assert laptop.get("/api/v1/me").status_code == 200
        assert learner.delete(f"/api/v1/me/tokens/{created['id']}").json()["revoked"] is True
        assert laptop.get("/api/v1/me").status_code == 401


def test_only_admins_create_users_and_passwords_are_checked(accounts: Accounts) -> None:
    _, trainer = accounts.create("trainer")
    response = trainer.post(
        "/api/v1/users",
        json={"email": "x@example.org", "password": "long enough pw", "role": "admin"},
    )
    assert response.status_code == 403
    short = accounts.admin.post(
        "/api/v1/users", json={"email": "y@example.org", "password": "short"}
    )
    assert short.status_code == 422 and "password" in short.json()["error"]["message"]
    dup = accounts.admin.post(
        "/api/v1/users", json={"email": "trainer1@example.org", "password": "long enough pw"}
    )
    assert dup.status_code == 409


def test_export_then_delete_removes_transcripts_for_real(accounts: Accounts) -> None:
    _, learner = accounts.create("learner")
    session_id = learner.post("/api/v1/sessions", json={"scenario_id": "missed-deadlines"}).json()[
        "session"
    ]["id"]
    secret_line = "What has the last month been like for you, honestly?"
    learner.post(
        f"/api/v1/sessions/{session_id}/turns", json={"text": secret_line}
    ).raise_for_status()
    learner.post(f"/api/v1/sessions/{session_id}/end").raise_for_status()

    exported = learner.get("/api/v1/me/export").json()
    assert exported["sessions"][0]["turns"][1]["text"] == secret_line
    assert exported["sessions"][0]["scorecard"] is not None

    refused = learner.request("DELETE", "/api/v1/me", json={"confirm": "yes"})
    assert refused.status_code == 422
    assert (
        learner.request("DELETE", "/api/v1/me", json={"confirm": "delete my data"}).status_code
        == 204
    )
    assert learner.get("/api/v1/me").status_code == 401

    engine = create_engine(accounts.server.settings.resolved_database_url)
    with engine.connect() as db:
        assert (
            db.execute(
                text("SELECT count(*) FROM turns WHERE text = :t"), {"t": secret_line}
            ).scalar()
            == 0
        )
        assert (
            db.execute(
                text("SELECT count(*) FROM practice_sessions WHERE id = :i"), {"i": session_id}
            ).scalar()
            == 0
        )
        assert (
            db.execute(
                text("SELECT count(*) FROM scorecards WHERE session_id = :i"), {"i": session_id}
            ).scalar()
            == 0
        )
    engine.dispose()


def test_no_password_token_or_transcript_text_in_logs(
    accounts: Accounts, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    password = "a very private password"
    accounts.admin.post(
        "/api/v1/users", json={"email": "quiet@example.org", "password": password}
    ).raise_for_status()
    with httpx.Client(base_url=accounts.server.url) as browser:
        browser.post(
            "/api/v1/auth/login", json={"email": "quiet@example.org", "password": password}
        )
        token = browser.post("/api/v1/me/tokens", json={"name": "t"}).json()["token"]
        session = browser.post("/api/v1/sessions", json={"scenario_id": "missed-deadlines"}).json()
        line = "I noticed you seemed quieter in standup this week."
        browser.post(f"/api/v1/sessions/{session['session']['id']}/turns", json={"text": line})
    logged = caplog.text
    assert password not in logged and token not in logged and line not in logged


def test_password_hash_cost_follows_the_settings() -> None:
    from argon2 import extract_parameters

    from app.users import security

    try:
        security.use_hash_cost(time_cost=2, memory_kib=128)
        params = extract_parameters(security.hash_password("a long enough password"))
        assert (params.time_cost, params.memory_cost) == (2, 128)
        assert security.verify_password(security.hash_password("pw-123456789"), "pw-123456789")
        assert not security.verify_password(None, "pw-123456789")
    finally:
        security.use_hash_cost(time_cost=1, memory_kib=64)
