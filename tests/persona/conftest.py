"""Fixtures for the persona tests: a scenario owned by these tests, the shipped rules, and the
fake LLM server from tests/llm_fixtures.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.persona.rules import ReactionRules, default_rules
from app.scenarios.library import parse_scenario_yaml
from app.scenarios.schema import Scenario
from tests.llm_fixtures import llm_server  # noqa: F401

DATA = Path(__file__).parent / "data"


@pytest.fixture
def scenario() -> Scenario:
    path = DATA / "late-reports.yaml"
    return parse_scenario_yaml(path.read_text(encoding="utf-8"), path.name)


@pytest.fixture
def rules() -> ReactionRules:
    return default_rules()
