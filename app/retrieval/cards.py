"""Technique cards: markdown files with YAML front matter in app/knowledge/techniques."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from app.skills import Skill

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]


class CardSkill(StrEnum):
    """The skill area a technique card belongs to (wider than the three scored skills)."""

    ACTIVE_LISTENING = Skill.ACTIVE_LISTENING.value
    QUESTIONING = Skill.QUESTIONING.value
    FEEDBACK = Skill.FEEDBACK.value
    GOALS = "goals_and_action_plans"
    ACCOUNTABILITY = "accountability"
    TRUST = "trust_and_confidentiality"
    DEFENSIVENESS = "handling_defensiveness"
    WELLBEING = "wellbeing"


class CardFrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Slug
    title: Text
    skill: CardSkill
    tags: list[Slug] = Field(min_length=1)
    when_to_use: Text


class TechniqueCard(CardFrontMatter):
    body: str

    @property
    def content_hash(self) -> str:
        """Decides whether the index must re-embed this card."""
        payload = self.model_dump_json(exclude={"body"}) + self.body
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


class CardFileError(ValueError):
    """A technique card file that cannot be loaded; the message names the file and the field."""


REQUIRED_SECTIONS = ("## How to do it", "## Done well", "## Done poorly", "## Pitfalls")


def parse_card(path: Path) -> TechniqueCard:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise CardFileError(f"{path.name}: missing YAML front matter (must start with '---')")
    try:
        _, front, body = text.split("---\n", 2)
    except ValueError:
        raise CardFileError(f"{path.name}: front matter is not closed with '---'") from None
    try:
        meta = yaml.safe_load(front) or {}
    except yaml.YAMLError as exc:
        raise CardFileError(f"{path.name}: front matter is not valid YAML: {exc}") from None
    missing = [s for s in REQUIRED_SECTIONS if s not in body]
    if missing:
        raise CardFileError(f"{path.name}: body lacks section(s) {', '.join(missing)}")
    try:
        card = TechniqueCard(**meta, body=body.strip())
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise CardFileError(f"{path.name}: {problems}") from None
    if card.id != path.stem:
        raise CardFileError(f"{path.name}: id '{card.id}' must match the file name")
    return card


def load_cards(folder: Path) -> list[TechniqueCard]:
    return [parse_card(path) for path in sorted(folder.glob("*.md"))]


class TechniqueHit(BaseModel):
    """A card returned by a search, with its relevance (higher is better, 0..1)."""

    card: TechniqueCard
    score: float
