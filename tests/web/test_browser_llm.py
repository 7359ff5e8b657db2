"""The practice page with a language-model peer: multi-chunk streaming, and a failed reply.

The fake OpenAI-compatible server from ``tests/llm_server.py`` streams replies two words per
chunk and can fail on demand, so the page's "Try again" path runs over real sockets.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.config import Settings
from tests.conftest import make_settings
from tests.llm_fixtures import llm_server  # noqa: F401
from tests.llm_server import FakeLLMServer, Fault, Reply
from tests.web.conftest import People, browser_login

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(tmp_path: Path, shared_index_dir: Path, llm_server: FakeLLMServer) -> Settings:  # noqa: F811
    return make_settings(
        tmp_path,
        shared_index_dir,
        llm_base_url=llm_server.url,
        llm_max_retries=0,
        llm_timeout_s=5,
        llm_judge=False,
    )


def test_reply_streams_in_chunks_and_a_failed_reply_can_be_retried(
    people: People,
    new_page: Callable[..., Page],
    llm_server: FakeLLMServer,  # noqa: F811
) -> None:
    ana = people.create("learner", "Ana Learner")
    page = new_page()
    browser_login(page, ana, "/scenarios")
    page.locator("#scenario-missed-deadlines").get_by_role(
        "button", name=re.compile("Start practice")
    ).click()
    page.wait_for_url(re.compile(r"/practice/"))
    session_id = page.url.rsplit("/", 1)[1]
    box = page.get_by_label(re.compile("Your reply to"))

    llm_server.script(Reply("Honestly it has been a rough few weeks for me.", chunk_words=2))
    box.fill("How have things been for you lately?")
    box.press("Enter")
    expect(page.locator("#turn-2 .text")).to_have_text(
        "Honestly it has been a rough few weeks for me."
    )

    llm_server.script(Fault("500"))
    box.fill("What has been the hardest part?")
    box.press("Enter")
    error = page.locator("#chat-error")
    expect(error).to_be_visible()
    expect(page.locator("#turn-3 .text")).to_have_text("What has been the hardest part?")
    expect(page.locator("#turn-4")).to_have_count(0)

    llm_server.script(Reply("The export keeps breaking and nobody sees it.", chunk_words=2))
    error.get_by_role("button", name="Try again").click()
    expect(page.locator("#turn-4 .text")).to_have_text(
        "The export keeps breaking and nobody sees it."
    )
    expect(error).to_be_hidden()

    api = people.api_client(ana)
    turns = api.get(f"/api/v1/sessions/{session_id}/transcript").json()["turns"]
    assert [t["speaker"] for t in turns] == ["peer", "learner", "peer", "learner", "peer"], (
        "the retry answered the saved line instead of saving it twice"
    )
