"""Fixtures for these tests: the fake LLM server comes from tests/llm_fixtures.py."""

from tests.llm_fixtures import llm_server  # noqa: F401
