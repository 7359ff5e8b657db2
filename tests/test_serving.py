"""`rehearse serve` takes connections at once: "warming" on /api/v1/health until ready."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from app.config import Settings
from app.serving import WarmingApp

BROWSER = {"Accept": "text/html,*/*;q=0.8"}


class HeldStart(WarmingApp):
    """The real warm-up, held at its first step until the test lets it go on."""

    def __init__(self, settings: Settings, *, fail: bool = False) -> None:
        super().__init__(settings)
        self.go_on = threading.Event()
        self.fail = fail
        self.stopped = False

    def _build(self) -> Any:
        logging.getLogger("rehearse").info("Starting: held by the test")
        self.go_on.wait(60)
        if self.fail:
            raise RuntimeError("the database is unreachable")
        return super()._build()

    def _stop(self) -> None:
        self.stopped = True


def _serve(app: WarmingApp) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not bind"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture
def held(settings: Settings, caplog: pytest.LogCaptureFixture) -> Iterator[tuple[HeldStart, str]]:
    caplog.set_level(logging.INFO)
    app = HeldStart(settings)
    for url in _serve(app):
        yield app, url
    app.go_on.set()


def _wait_for_ok(client: httpx.Client) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get("/api/v1/health").json()
        if body["status"] != "warming":
            return body
        time.sleep(0.1)
    raise AssertionError("never became ready")


def test_serving_answers_warming_then_hands_over(held: tuple[HeldStart, str]) -> None:
    app, url = held
    with httpx.Client(base_url=url, timeout=10) as client:
        health = client.get("/api/v1/health")
        assert health.status_code == 200
        assert health.json()["status"] == "warming"
        assert health.json()["step"] == "Starting: held by the test"

        api = client.get("/api/v1/scenarios")
        assert api.status_code == 503 and api.headers["retry-after"] == "2"
        assert api.json()["error"]["code"] == "warming"
        page = client.get("/login", headers=BROWSER)
        assert page.status_code == 503 and "Rehearse is starting" in page.text
        assert '<meta http-equiv="refresh"' in page.text

        app.go_on.set()
        assert _wait_for_ok(client)["status"] == "ok"
        assert client.get("/login", headers=BROWSER).status_code == 200
        assert client.get("/api/v1/ready").json()["ready"] is True


def test_serving_reports_a_failed_start_and_stops(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app = HeldStart(settings, fail=True)
    for url in _serve(app):
        app.go_on.set()
        with httpx.Client(base_url=url, timeout=10) as client:
            body = _wait_for_ok(client)
            failed = client.get("/api/v1/health")
        assert failed.status_code == 503
        assert body["status"] == "failed"
        assert "the database is unreachable" in body["error"]
        assert app.stopped
