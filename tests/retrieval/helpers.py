"""Plain data helpers for the retrieval tests: small knowledge folders and settings."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.config import PACKAGE_DIR, Settings

TECHNIQUES = PACKAGE_DIR / "knowledge" / "techniques"
# A handful of cards across three skills: building them takes ~1 s instead of the full ~7 s.
SMALL_SET = (
    "open-questions",
    "using-silence",
    "paraphrasing",
    "grow-goal-questions",
    "smart-goals",
)


def small_knowledge(root: Path, card_ids: tuple[str, ...] = SMALL_SET) -> Path:
    """A knowledge folder holding copies of a few real cards; returns its techniques folder."""
    folder = root / "knowledge" / "techniques"
    folder.mkdir(parents=True)
    for card_id in card_ids:
        shutil.copy(TECHNIQUES / f"{card_id}.md", folder / f"{card_id}.md")
    return folder


def small_settings(root: Path) -> Settings:
    """Settings whose knowledge and index both live under ``root``."""
    return Settings(data_dir=root, knowledge_dir=root / "knowledge", chroma_path=root / "chroma")


def card_text(card_id: str) -> str:
    return (TECHNIQUES / f"{card_id}.md").read_text(encoding="utf-8")
