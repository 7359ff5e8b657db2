"""Technique card files: every shipped card loads, and broken files say which file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.retrieval.cards import CardFileError, CardSkill, load_cards, parse_card
from tests.retrieval.helpers import TECHNIQUES, card_text


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_cards_every_shipped_card_loads() -> None:
    cards = load_cards(TECHNIQUES)

    assert len(cards) >= 40
    assert len({card.id for card in cards}) == len(cards)
    assert {card.skill for card in cards} <= set(CardSkill)


def test_parse_card_bad_front_matter_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.md", "---\nid: [unclosed\n---\n## How to do it\n")

    with pytest.raises(CardFileError, match=r"broken\.md: front matter is not valid YAML"):
        parse_card(path)


def test_parse_card_without_front_matter_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "plain.md", "## How to do it\nJust text.\n")

    with pytest.raises(CardFileError, match=r"plain\.md: missing YAML front matter"):
        parse_card(path)


def test_parse_card_missing_section_names_file_and_section(tmp_path: Path) -> None:
    text = card_text("paraphrasing").replace("## Pitfalls", "## Traps")
    path = write(tmp_path, "paraphrasing.md", text)

    with pytest.raises(CardFileError, match=r"paraphrasing\.md: body lacks .*## Pitfalls"):
        parse_card(path)


def test_parse_card_wrong_skill_names_file_and_field(tmp_path: Path) -> None:
    text = card_text("paraphrasing").replace("skill: active_listening", "skill: juggling")
    path = write(tmp_path, "paraphrasing.md", text)

    with pytest.raises(CardFileError, match=r"paraphrasing\.md: skill: Input should be"):
        parse_card(path)


def test_parse_card_missing_field_names_file_and_field(tmp_path: Path) -> None:
    lines = card_text("paraphrasing").splitlines(keepends=True)
    text = "".join(line for line in lines if not line.startswith("when_to_use:"))
    path = write(tmp_path, "paraphrasing.md", text)

    with pytest.raises(CardFileError, match=r"paraphrasing\.md: when_to_use: Field required"):
        parse_card(path)


def test_parse_card_id_must_match_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, "copy.md", card_text("paraphrasing"))

    with pytest.raises(CardFileError, match=r"copy\.md: id 'paraphrasing' must match"):
        parse_card(path)
