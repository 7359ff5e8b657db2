"""Practise a moment again, end to end in headless Chromium against the live app.

A learner ends a session, opens "Try this moment again" on a next step, sends the pre-filled
rewrite, sees the peer react differently, ends the branch and reads the comparison. A
screenshot of the comparison goes to ``test-artifacts/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import PRACTICE_LINES as LINES
from tests.web.conftest import People, browser_login
from tests.web.test_browser import say_streamed

pytestmark = pytest.mark.browser
NewPage = Callable[..., Page]
SESSION_URL = re.compile(r"/sessions/([0-9a-f-]+)$")


def test_learner_retries_a_moment_and_compares(
    people: People, new_page: NewPage, artifacts: Path
) -> None:
    ana = people.create("learner", "Ana Learner")
    page = new_page()
    browser_login(page, ana, "/scenarios")
    page.locator("#scenario-missed-deadlines").get_by_role(
        "button", name=re.compile("Start practice")
    ).click()
    page.wait_for_url(re.compile(r"/practice/[0-9a-f-]+$"))
    for i, line in enumerate(LINES):
        say_streamed(page, line, peer_index=2 * i + 2)
    page.get_by_role("button", name="End and score").click()
    page.wait_for_url(SESSION_URL)
    found = SESSION_URL.search(page.url)
    assert found
    parent_id = found.group(1)

    # 1. The scorecard has a next step, with a rewrite and a way to try it.
    step = page.locator(".next-step").first
    rewrite = step.locator("q.rewrite").inner_text().strip()
    assert rewrite
    turn_link = step.locator("a.turn-link").first.get_attribute("href") or ""
    at_turn = int(turn_link.removeprefix("#turn-"))
    before = page.request.get(f"/api/v1/sessions/{parent_id}/transcript").json()["turns"]
    first_reply = before[at_turn + 1]

    # 2. Try this moment again: the branch opens with the rewrite in the reply box, editable.
    step.get_by_role("button", name=re.compile("Try this moment again")).click()
    page.wait_for_url(re.compile(r"/practice/[0-9a-f-]+\?step="))
    expect(page.locator("#branch-note")).to_contain_text(f"turn {at_turn} again")
    expect(page.locator("#branch-note q")).to_have_text(before[at_turn]["text"])
    box = page.get_by_label(re.compile("Your reply to"))
    expect(box).to_have_value(rewrite)
    expect(page.locator(f"#turn-{at_turn}")).to_have_count(0)
    expect(page.locator(f"#turn-{at_turn - 1} .text")).to_have_text(before[at_turn - 1]["text"])
    trust_then = float(page.locator("#trust-meter").get_attribute("value") or "nan")
    assert trust_then == pytest.approx(before[at_turn - 1]["persona"]["trust"], abs=0.005)

    with page.expect_response(lambda r: "/turns?stream=true" in r.url) as answer:
        box.press("Enter")
    assert answer.value.status == 200
    reply = page.locator(f"#turn-{at_turn + 1}")
    expect(reply).to_have_attribute("data-streamed", "true")
    expect(page.locator(f"#turn-{at_turn} .text")).to_have_text(rewrite)
    expect(reply.locator(".text")).not_to_have_text(first_reply["text"])
    trust_now = float(page.locator("#trust-meter").get_attribute("value") or "nan")
    assert trust_now != pytest.approx(first_reply["persona"]["trust"], abs=0.005), (
        "the peer's state moved differently the second time"
    )

    # 3. End the branch: its scorecard shows the comparison with the parent.
    page.get_by_role("button", name="End and score").click()
    page.wait_for_url(SESSION_URL)
    compare = page.locator("#branch-compare")
    expect(compare).to_be_visible()
    expect(compare.locator("#compare-heading")).to_have_text(f"Turn {at_turn}, practised again")
    expect(compare.locator("#compare-verdict")).to_have_text(re.compile("differently|better"))
    line_row = compare.locator("tr.compare-line")
    expect(line_row.locator("td").nth(0)).to_have_text(before[at_turn]["text"])
    expect(line_row.locator("td").nth(1)).to_have_text(rewrite)
    expect(compare.locator("tr.compare-reply td").nth(0)).to_have_text(first_reply["text"])
    expect(compare.locator("table.compare-levels")).to_be_visible()
    expect(compare.get_by_role("link", name="Open the original session")).to_have_attribute(
        "href", f"/sessions/{parent_id}"
    )
    page.screenshot(path=artifacts / "branch-compare.png", full_page=True)

    # Progress counts the retried moment.
    page.goto("/progress")
    expect(page.locator("#retried-moments")).to_contain_text("1 moment retried")
