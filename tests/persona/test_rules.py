"""The shared rules file: the shipped one loads, and mistakes in it are named."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from app.config import Settings
from app.persona.rules import RULES_FILE, RulesFileError, load_rules
from app.scenarios.schema import Difficulty
from app.scoring.moves import Move

RULES_PATH = Settings().knowledge_dir / RULES_FILE


def shipped() -> dict:
    return yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_load_rules_shipped_file_covers_every_move_and_difficulty() -> None:
    rules = load_rules(RULES_PATH)
    assert set(rules.moves) == set(Move)
    assert set(rules.start) == set(Difficulty)
    assert rules.replies[-1].when.model_dump(exclude_none=True) == {}
    assert rules.llm.band(0.0).name == "low" and rules.llm.band(1.0).name == "trusting"


def test_load_rules_listening_moves_build_trust_and_judging_moves_cost_it() -> None:
    moves = load_rules(RULES_PATH).moves
    for good in (Move.OPEN_QUESTION, Move.SIMPLE_REFLECTION, Move.COMPLEX_REFLECTION, Move.SUMMARY):
        assert moves[good].trust > 0 and moves[good].defensiveness < 0
    for bad in (
        Move.JUDGEMENT,
        Move.ADVICE_WITHOUT_PERMISSION,
        Move.WHY_QUESTION,
        Move.STACKED_QUESTIONS,
    ):
        assert moves[bad].trust < 0 and moves[bad].defensiveness > 0


def test_load_rules_names_a_missing_move(tmp_path: Path) -> None:
    data = shipped()
    del data["moves"]["summary"]
    with pytest.raises(RulesFileError, match=r"rules\.yaml: .*summary"):
        load_rules(write(tmp_path, data))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda d: d["moves"].update({"shouting": {"trust": 0, "defensiveness": 0}}),
            "moves.shouting",
        ),
        (lambda d: d["replies"][0].update({"say": ["gossip"]}), "pool"),
        (lambda d: d["replies"][0].update({"say": ["feels_heard?"]}), "not optional"),
        (lambda d: d["replies"][-1].update({"when": {"triggered": True}}), "no conditions"),
        (lambda d: d["hints"][0].update({"skill": "juggling"}), "skill"),
        (lambda d: d["disclosure"].update({"opening_movez": []}), "opening_movez"),
        (lambda d: d["llm"]["bands"][-1].update({"below": 0.9}), "bands"),
    ],
)
def test_load_rules_rejects_mistakes(
    tmp_path: Path, change: Callable[[dict], object], problem: str
) -> None:
    data = shipped()
    change(data)
    with pytest.raises(RulesFileError, match=problem):
        load_rules(write(tmp_path, data))


def test_load_rules_unreadable_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RulesFileError, match=r"missing\.yaml"):
        load_rules(tmp_path / "missing.yaml")
