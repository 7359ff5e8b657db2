"""Shared fixtures: real settings in a temp folder, a real SQLite file, a live HTTP server.

Nothing is patched at the function level. The only guard is on sockets: a test that tries to
reach anything but this machine fails, which proves the offline path stays offline.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from app.config import Settings
from app.main import create_app

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

_real_connect = socket.socket.connect


def _is_local(address: object) -> bool:
    if isinstance(address, str):  # a unix socket path
        return True
    host = address[0] if isinstance(address, tuple) else None
    if host in ("localhost", None):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_local(address):
        raise AssertionError(f"test tried to reach the network: {address!r}")
    _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def no_outbound_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(scope="session")
def shared_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The chroma index, built once per test run: every test copies it instead of rebuilding."""
    from app.retrieval.service import get_retriever

    folder = tmp_path_factory.mktemp("index")
    get_retriever(Settings(data_dir=folder, chroma_path=folder / "chroma"))
    return folder / "chroma"


def make_settings(tmp_path: Path, index_dir: Path, **overrides: object) -> Settings:
    chroma = tmp_path / "chroma"
    if not chroma.exists():
        shutil.copytree(index_dir, chroma)
    values: dict[str, object] = {
        "data_dir": tmp_path,
        "chroma_path": chroma,
        "log_level": "WARNING",
        # Cheap password hashes: hundreds of users are made per run; production keeps the
        # argon2-cffi defaults (Settings.argon2_*).
        "argon2_time_cost": 1,
        "argon2_memory_kib": 64,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path, shared_index_dir: Path) -> Settings:
    return make_settings(tmp_path, shared_index_dir)


class LiveServer:
    """The real app served by uvicorn on a free loopback port, in a thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 120  # a loaded 2-core CI box can take a while to import
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the live server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    server = LiveServer(settings).start()
    yield server
    server.stop()


@pytest.fixture
def api(accounts: Accounts) -> httpx.Client:
    """A real HTTP client against the live server, authenticated as a fresh learner."""
    return accounts.create("learner")[1]


def admin_token(settings: Settings) -> str:
    """The API token the first start wrote for the bootstrap admin."""
    lines = (settings.data_dir / "initial-admin.txt").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines)["api_token"]


class Accounts:
    """Creates real users through the API and hands back clients authenticated as them."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.admin = self.client(admin_token(server.settings))
        self._clients: list[httpx.Client] = [self.admin]
        self._count = 0

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=self.server.url, timeout=30, headers=headers)
        if hasattr(self, "_clients"):
            self._clients.append(client)
        return client

    def create(self, role: str = "learner", name: str | None = None) -> tuple[dict, httpx.Client]:
        self._count += 1
        email = f"{role}{self._count}@example.org"
        password = f"pw-{role}-{self._count}-long-enough"
        user = self.admin.post(
            "/api/v1/users",
            json={
                "email": email,
                "password": password,
                "role": role,
                "display_name": name or email,
            },
        )
        assert user.status_code == 201, user.text
        with httpx.Client(base_url=self.server.url) as browser:
            assert (
                browser.post(
                    "/api/v1/auth/login", json={"email": email, "password": password}
                ).status_code
                == 200
            )
            created = browser.post("/api/v1/me/tokens", json={"name": "tests"})
            assert created.status_code == 201, created.text
            token = created.json()["token"]
        return user.json(), self.client(token)

    def close(self) -> None:
        for client in self._clients:
            client.close()


@pytest.fixture
def accounts(live_server: LiveServer) -> Iterator[Accounts]:
    made = Accounts(live_server)
    yield made
    made.close()
