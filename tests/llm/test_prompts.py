"""Prompt files: every shipped prompt loads, and variables are checked both ways."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import PACKAGE_DIR
from app.llm.prompts import PromptError, load_prompt, load_prompts, parse_prompt

PROMPTS = PACKAGE_DIR / "prompts"

GREETING = """---
description: A greeting.
variables: [name, mood]
---
Hello {{ name }}{% if mood %}, you seem {{ mood }}{% endif %}.
"""


def test_load_prompts_loads_every_shipped_prompt() -> None:
    prompts = load_prompts(PROMPTS)
    assert {"persona_system", "persona_turn"} <= prompts.keys()
    assert all(prompt.description for prompt in prompts.values())


def test_render_fills_the_declared_variables() -> None:
    prompt = parse_prompt(GREETING, "greeting.md")
    assert prompt.variables == {"name", "mood"}
    assert prompt.render(name="Sam", mood="tired") == "Hello Sam, you seem tired."
    assert prompt.render(name="Sam", mood=None) == "Hello Sam."


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"name": "Sam"}, "missing mood"),
        ({"name": "Sam", "mood": "", "extra": 1}, "not declared extra"),
    ],
)
def test_render_refuses_missing_or_unexpected_variables(values: dict, problem: str) -> None:
    prompt = parse_prompt(GREETING, "greeting.md")
    with pytest.raises(PromptError, match=problem):
        prompt.render(**values)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Hello {{ name }}", "missing front matter"),
        ("---\ndescription: x\nvariables: [name]\n", "not closed"),
        ("---\ndescription: x\nvariables: []\n---\nHello {{ name }}", "uses undeclared name"),
        ("---\ndescription: x\nvariables: [name, age]\n---\nHi {{ name }}", "declares unused age"),
        ("---\ndescription: x\nvariabels: [name]\n---\nHi", "bad front matter"),
        ("---\ndescription: x\n---\nHi {% if %}", "template error"),
    ],
)
def test_parse_prompt_names_the_file_and_the_problem(text: str, problem: str) -> None:
    with pytest.raises(PromptError, match=problem) as caught:
        parse_prompt(text, "broken.md")
    assert "broken.md" in str(caught.value)


def test_load_prompt_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match=r"nope\.md"):
        load_prompt(tmp_path, "nope")
