"""In Chromium: the API docs render from packaged assets with every other host blocked; the account
pages and the 404 page work for a person. Screenshots go to test-artifacts/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import People, browser_login

pytestmark = pytest.mark.browser
NewPage = Callable[..., Page]


def _only_this_server(page: Page, base: str) -> list[str]:
    """Abort (and record) every request that leaves the server under test: no CDN, no fonts."""
    blocked: list[str] = []

    def route(request: Any) -> None:
        if request.request.url.startswith(base):
            request.continue_()
        else:
            blocked.append(request.request.url)
            request.abort()

    page.route("**/*", route)
    return blocked


def test_browser_api_docs_render_offline(
    people: People, new_page: NewPage, artifacts: Path
) -> None:
    page = new_page()
    blocked = _only_this_server(page, people.server.url)
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Rehearse")
    expect(page.get_by_text("/api/v1/sessions").first).to_be_visible()
    page.screenshot(path=artifacts / "api-docs-swagger.png")
    page.goto("/redoc")
    expect(page.locator("h1").first).to_contain_text("Rehearse")
    page.screenshot(path=artifacts / "api-docs-redoc.png")
    assert blocked == []


def test_browser_account_pages_and_not_found(
    people: People, new_page: NewPage, artifacts: Path
) -> None:
    mia = people.create("learner", "Mia Browser")
    page = new_page()
    browser_login(page, mia)
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", name="My data", level=1)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data (JSON)").click()
    assert download.value.suggested_filename == "rehearse-my-data.json"
    page.screenshot(path=artifacts / "account-data.png", full_page=True)

    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name (to recognise it by)").fill("browser test")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-token")).to_be_visible()
    page.screenshot(path=artifacts / "account-tokens.png", full_page=True)
    page.get_by_role("button", name="Revoke browser test").click()
    expect(page.get_by_text("Token revoked: it no longer works.")).to_be_visible()

    page.goto("/no-such-page")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    page.screenshot(path=artifacts / "not-found.png")

    page.goto("/account/data")
    page.get_by_label("Type delete my data to confirm").fill("delete my data")
    page.get_by_role("button", name="Delete my account and data").click()
    expect(page.get_by_role("heading", name="Your account is deleted")).to_be_visible()
