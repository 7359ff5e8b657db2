"""The ``llm_server`` fixture: a fresh fake OpenAI-compatible server per test.

Use it from any test folder by importing it in that folder's conftest.py:

    from tests.llm_fixtures import llm_server  # noqa: F401

then point settings at it: ``Settings(..., llm_base_url=llm_server.url)``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.llm_server import FakeLLMServer


@pytest.fixture
def llm_server() -> Iterator[FakeLLMServer]:
    server = FakeLLMServer().start()
    yield server
    server.stop()
