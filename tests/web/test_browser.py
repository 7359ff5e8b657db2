"""End-to-end flows in headless Chromium against the live app.

Screenshots of the practice and scorecard pages (laptop and phone widths) go to
``test-artifacts/`` at the repository root.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import PRACTICE_LINES as LINES
from tests.web.conftest import People, browser_login

pytestmark = pytest.mark.browser

TRANSCRIPT = """Sam: Thanks for making time. How have things been since the launch?
Riley: Honestly, exhausting. I've been covering two roles.
Sam: It sounds like you've been stretched thin and nobody noticed.
Riley: Yes, exactly. I don't know who to tell.
Sam: Why didn't you tell your manager?
Riley: I didn't want to look like I couldn't cope.
Sam: Did you think about asking for help?
"""
NewPage = Callable[..., Page]


def say_streamed(page: Page, line: str, peer_index: int) -> None:
    """Send a line with the keyboard; the reply must arrive over the streaming endpoint."""
    box = page.get_by_label(re.compile("Your reply to"))
    box.fill(line)
    with page.expect_response(lambda r: "/turns?stream=true" in r.url) as answer:
        box.press("Enter")
    assert answer.value.status == 200
    assert answer.value.headers["content-type"].startswith("text/event-stream")
    peer = page.locator(f"#turn-{peer_index}")
    expect(peer).to_have_attribute("data-streamed", "true")
    expect(peer).not_to_have_class(re.compile(r"\bstreaming\b"))
    expect(peer.locator(".text")).not_to_be_empty()
    expect(page.locator(f"#turn-{peer_index - 1} .text")).to_have_text(line)
    expect(box).to_have_value("")


def test_learner_practises_four_turns_and_reads_the_scorecard(
    people: People, new_page: NewPage, artifacts: Path
) -> None:
    ana = people.create("learner", "Ana Learner")
    page = new_page()
    browser_login(page, ana, "/scenarios")
    page.get_by_label("Difficulty").select_option("medium")
    page.get_by_role("button", name="Filter").click()
    card = page.locator("#scenario-missed-deadlines")
    card.get_by_role("button", name=re.compile("Start practice")).click()
    page.wait_for_url(re.compile(r"/practice/[0-9a-f-]+$"))
    page.evaluate("window.__samePage = true")

    for i, line in enumerate(LINES):
        say_streamed(page, line, peer_index=2 * i + 2)
    assert page.evaluate("window.__samePage") is True, "turns went over fetch, no reload"

    hint = page.locator("#hint-box")
    expect(hint.locator(".hint-text")).to_contain_text("yes/no")
    hint.get_by_text(re.compile("Technique card")).click()
    expect(hint.locator(".technique-card")).to_contain_text("How to do it")
    page.get_by_text("Peer's openness").click()
    trust = page.locator("#trust-meter")
    expect(trust).to_be_visible()
    assert 0 < float(trust.get_attribute("value") or 0) <= 1
    page.screenshot(path=artifacts / "practice.png", full_page=True)

    phone = new_page(width=390, height=844)
    browser_login(phone, ana, urlsplit(page.url).path)
    phone.screenshot(path=artifacts / "practice-phone.png", full_page=True)

    page.get_by_role("button", name="End and score").click()
    page.wait_for_url(re.compile(r"/sessions/[0-9a-f-]+$"))
    expect(page.get_by_role("heading", name="Scorecard", exact=True)).to_be_visible()
    expect(page.locator("figure#levels svg")).to_be_visible()

    step = page.locator("#skill-questioning .next-step").first
    expect(step.locator("q.quote")).to_have_text(re.compile(r"\S"))
    expect(step.locator("q.rewrite")).to_have_text(re.compile(r"\S"))
    expect(step.locator(".card-link a")).to_have_attribute("href", re.compile(r"^/techniques/"))
    step.get_by_text("Read the card").click()
    expect(step.locator(".technique-card")).to_contain_text("When to use")

    evidence = page.locator("#skill-questioning .evidence a.turn-link").first
    target = evidence.get_attribute("href") or ""
    assert re.fullmatch(r"#turn-\d+", target)
    evidence.click()
    turn = page.locator(target)
    expect(turn).to_have_class(re.compile("has-evidence"))
    expect(turn.locator("mark").first).to_be_visible()
    expect(turn.locator(".chip").first).to_be_visible()
    page.screenshot(path=artifacts / "scorecard.png", full_page=True)
    phone.goto(page.url)
    phone.screenshot(path=artifacts / "scorecard-phone.png", full_page=True)


def status_of(page: Page, assignment_section: str, email: str) -> Any:
    return page.locator(f"{assignment_section} tr[data-learner='{email}'] .badge")


def test_trainer_builds_a_cohort_and_follows_an_assignment(
    people: People, new_page: NewPage
) -> None:
    tess = people.create("trainer", "Tess Trainer")
    ana = people.create("learner", "Ana Learner")
    ben = people.create("learner", "Ben Learner")
    trainer = new_page()
    browser_login(trainer, tess, "/trainer")
    trainer.get_by_label("New cohort name").fill("Spring cohort")
    trainer.get_by_role("button", name="Create cohort").click()
    expect(trainer.get_by_role("heading", name="Spring cohort")).to_be_visible()
    for person in (ana, ben):
        trainer.get_by_label("Learner's email").fill(person.email)
        trainer.get_by_role("button", name="Add learner").click()
        expect(trainer.get_by_role("status")).to_have_text(
            "Invitation sent: the learner joins once they accept it."
        )
    expect(trainer.locator("#invited")).to_contain_text("Ana Learner")
    expect(trainer.locator("#members")).not_to_contain_text("Ana Learner")

    learner = new_page()
    browser_login(learner, ana)
    learner.get_by_role("button", name="Join Spring cohort").click()
    expect(learner.locator("#invitations-heading")).to_have_count(0)
    trainer.reload()
    expect(trainer.locator("#members")).to_contain_text("Ana Learner")
    expect(trainer.locator("#members")).not_to_contain_text("Ben Learner")
    expect(trainer.locator("#invited")).to_contain_text("Ben Learner")

    trainer.get_by_label("Scenario", exact=True).select_option("missed-deadlines")
    trainer.get_by_label("Assign to").select_option(label="The whole cohort")
    trainer.get_by_label("Feedback", exact=True).select_option("5")
    trainer.get_by_role("button", name="Create assignment").click()
    expect(trainer.get_by_role("status")).to_have_text("Assignment created.")
    section = trainer.locator(".assignment").first
    section_id = "#" + (section.get_attribute("id") or "")
    expect(status_of(trainer, section_id, ana.email)).to_have_text("Not started")

    learner.goto(learner.url.split("#")[0])
    assignments = learner.locator("section[aria-labelledby='assignments-heading']")
    expect(assignments).to_contain_text("The report that keeps arriving late")
    assignments.get_by_role("button", name=re.compile("Practise")).click()
    learner.wait_for_url(re.compile(r"/practice/"))
    say_streamed(learner, LINES[0], peer_index=2)

    trainer.reload()
    expect(status_of(trainer, section_id, ana.email)).to_have_text("In progress")
    say_streamed(learner, LINES[2], peer_index=4)
    learner.get_by_role("button", name="End and score").click()
    learner.wait_for_url(re.compile(r"/sessions/"))

    trainer.reload()
    expect(status_of(trainer, section_id, ana.email)).to_have_text("Done")
    progress = trainer.locator("#progress-table")
    expect(progress.get_by_role("row", name=re.compile("Ana Learner"))).to_contain_text("1")
    expect(trainer.get_by_role("link", name="Export progress as CSV")).to_have_attribute(
        "href", re.compile(r"/progress\.csv$")
    )
    expect(trainer.locator("figure#cohort-active_listening a").first).to_be_attached()


def test_score_a_pasted_transcript(people: People, new_page: NewPage) -> None:
    person = people.create("learner", "Sam Scorer")
    page = new_page()
    browser_login(page, person, "/score")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.get_by_label("Transcript").fill(TRANSCRIPT)
    expect(page.locator("#speakers-found")).to_have_text("Speakers found: Sam, Riley")
    page.get_by_label("Speaker to score").fill("Sam")
    page.get_by_role("button", name="Score it").click()
    expect(page.get_by_role("heading", name="Scorecard", exact=True)).to_be_visible()
    transcript = page.locator(".transcript-section")
    expect(transcript.locator("#turn-6")).to_contain_text("Did you think about asking for help?")
    expect(transcript.locator(".turn.has-evidence mark").first).to_be_visible()
    expect(page.locator(".next-step q.rewrite").first).to_have_text(re.compile(r"\S"))
    expect(page.get_by_role("textbox", name="Transcript")).to_have_value(
        re.compile("Riley: Honestly")
    )


def test_custom_rubric_editor_when_the_api_exists(people: People, new_page: NewPage) -> None:
    tess = people.create("trainer")
    page = new_page()
    browser_login(page, tess, "/trainer/rubrics")
    if page.locator("#rubrics-unavailable").count():
        pytest.skip("the server has no /api/v1/custom-rubrics yet")
    rubric = (Path(__file__).resolve().parents[2] / "app/rubrics/02-questioning.yaml").read_text()
    page.get_by_label("Name").fill("team-questioning")
    page.get_by_label("Rubric YAML").fill(rubric.replace("    weight: ", "    weight: -", 1))
    page.get_by_role("button", name="Save").click()
    errors = page.locator("#rubric-errors")
    expect(errors).to_be_visible()
    expect(errors.locator(".field-name").first).to_have_text(re.compile(r"^criteria\.0\.weight"))
    expect(page.get_by_label("Rubric YAML")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Rubric YAML").fill(rubric)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#rubric-notice")).to_contain_text("Saved team-questioning version 1")
    expect(page.locator("#rubric-list")).to_contain_text("team-questioning v1")

    page.get_by_role("button", name="Edit team-questioning").click()
    # The heading changes once the stored YAML is in the form; typing before that is lost
    # when the load lands (the name field is already read-only from the first save).
    expect(page.locator("#rubric-form-heading")).to_have_text("Edit team-questioning (version 1)")
    expect(page.get_by_label("Name")).to_have_js_property("readOnly", True)
    page.get_by_label("Rubric YAML").fill(rubric.replace("title: ", "title: Team ", 1))
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#rubric-notice")).to_contain_text("version 2")
    expect(page.locator("#rubric-list")).to_contain_text("team-questioning v2")
