"""Prompt templates as files with declared variables.

A prompt is product content, so it lives in ``app/prompts/*.md``: YAML front matter declaring a
description and the exact variables, then a Jinja body. Loading checks that the body uses
exactly the declared variables; rendering checks that the caller passes exactly those. A
typo on either side is an error naming the file, never a prompt with a silent hole in it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template, TemplateSyntaxError, meta
from pydantic import BaseModel, ConfigDict, Field, ValidationError

_ENV = Environment(
    undefined=StrictUndefined,
    autoescape=False,  # plain text for a model, not HTML
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)


class PromptError(ValueError):
    """A prompt file or a render call that does not match the declared variables."""


class FrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=1)
    variables: list[str] = Field(default_factory=list)


class PromptTemplate:
    """One validated template; ``render`` is the only way to turn it into text."""

    def __init__(self, name: str, front: FrontMatter, template: Template) -> None:
        self.name = name
        self.description = front.description
        self.variables = frozenset(front.variables)
        self._template = template

    def render(self, **values: Any) -> str:
        missing = self.variables - values.keys()
        unused = values.keys() - self.variables
        if missing or unused:
            problems = []
            if missing:
                problems.append(f"missing {', '.join(sorted(missing))}")
            if unused:
                problems.append(f"not declared {', '.join(sorted(unused))}")
            raise PromptError(f"prompt '{self.name}': {'; '.join(problems)}")
        return self._template.render(**values).strip()


def parse_prompt(text: str, name: str) -> PromptTemplate:
    if not text.startswith("---\n"):
        raise PromptError(f"{name}: missing front matter (must start with '---')")
    try:
        _, front_text, body = text.split("---\n", 2)
    except ValueError:
        raise PromptError(f"{name}: front matter is not closed with '---'") from None
    try:
        front = FrontMatter.model_validate(yaml.safe_load(front_text) or {})
    except (yaml.YAMLError, ValidationError) as exc:
        raise PromptError(f"{name}: bad front matter: {exc}") from None
    try:
        used = meta.find_undeclared_variables(_ENV.parse(body))
        template = _ENV.from_string(body)
    except TemplateSyntaxError as exc:
        raise PromptError(f"{name}: template error on line {exc.lineno}: {exc.message}") from None
    declared = set(front.variables)
    if used != declared:
        problems = []
        if used - declared:
            problems.append(f"uses undeclared {', '.join(sorted(used - declared))}")
        if declared - used:
            problems.append(f"declares unused {', '.join(sorted(declared - used))}")
        raise PromptError(f"{name}: {'; '.join(problems)}")
    return PromptTemplate(name, front, template)


def load_prompt(folder: Path, name: str) -> PromptTemplate:
    """``name`` is the file name without ``.md``, e.g. ``"persona_system"``."""
    path = folder / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PromptError(f"{path.name}: cannot read prompt: {exc}") from None
    return parse_prompt(text, path.name)


def load_prompts(folder: Path) -> dict[str, PromptTemplate]:
    """Every prompt in the folder, by name, so one test can check them all."""
    return {path.stem: load_prompt(folder, path.stem) for path in sorted(folder.glob("*.md"))}
