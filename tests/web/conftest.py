"""Fixtures for the web UI tests: people with known passwords, page clients, a browser.

People are created through the admin API (like ``tests.conftest.Accounts``) but with a password
the test knows, so they can log in through the HTML form like a person would.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Accounts, LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([0-9a-f]*)"')

# Four learner turns in different styles, so a scorecard has strengths and next steps.
PRACTICE_LINES = [
    "Thanks for making time. How have things been on the project lately?",
    "Why do the files keep arriving late?",
    "It sounds like the last few weeks have been heavier than usual.",
    "Did you talk to your manager about it?",
]


@dataclass
class Person:
    id: int
    email: str
    password: str
    name: str
    role: str


class People:
    """Creates users with known passwords and clients logged in as them."""

    def __init__(self, accounts: Accounts, server: LiveServer) -> None:
        self.accounts = accounts
        self.server = server
        self._count = 0
        self._clients: list[httpx.Client] = []

    def create(self, role: str = "learner", name: str | None = None) -> Person:
        self._count += 1
        email = f"web-{role}{self._count}@example.org"
        password = f"web-{role}-{self._count}-password"
        display = name or f"{role.title()} {self._count}"
        created = self.accounts.admin.post(
            "/api/v1/users",
            json={"email": email, "password": password, "role": role, "display_name": display},
        )
        assert created.status_code == 201, created.text
        return Person(created.json()["id"], email, password, display, role)

    def client(self) -> httpx.Client:
        """A cookie-keeping client whose posts look like they come from our own pages."""
        client = httpx.Client(
            base_url=self.server.url, timeout=30, headers={"Origin": self.server.url}
        )
        self._clients.append(client)
        return client

    def page_client(self, person: Person) -> httpx.Client:
        """Logged in through the HTML login form, as a browser would be."""
        client = self.client()
        response = client.post("/login", data={"email": person.email, "password": person.password})
        assert response.status_code == 303, response.text
        return client

    def api_client(self, person: Person) -> httpx.Client:
        """Logged in through the JSON login: the cookie also authenticates the JSON API."""
        client = self.client()
        response = client.post(
            "/api/v1/auth/login", json={"email": person.email, "password": person.password}
        )
        assert response.status_code == 200, response.text
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()


@pytest.fixture
def people(accounts: Accounts, live_server: LiveServer) -> Iterator[People]:
    made = People(accounts, live_server)
    yield made
    made.close()


def csrf_token(client: httpx.Client, path: str = "/home") -> str:
    """The form token as a page renders it (what a real form would post back)."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = CSRF_INPUT.search(page.text)
    assert found and found.group(1), f"no CSRF token on {path}"
    return found.group(1)


def post_form(
    client: httpx.Client, path: str, data: dict[str, Any], *, token_from: str = "/home"
) -> httpx.Response:
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from)})


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; skipped, with the fix, where it is missing."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"browser tests need Chromium at {CHROMIUM}: install it with "
            "`apt-get install -y chromium` (Debian/Ubuntu)"
        )
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions do: on 2 busy CI cores a save that validates a rubric
    # and re-renders the page can take longer than Playwright's 5 s default.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium: Any, live_server: LiveServer) -> Iterator[Callable[..., Any]]:
    """Opens pages in fresh browser contexts (one per person) against the live server."""
    contexts = []

    def open_page(width: int = 1280, height: int = 900) -> Any:
        context = chromium.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def browser_login(page: Any, person: Person, path: str = "/home") -> None:
    page.goto(path)
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{path}")
