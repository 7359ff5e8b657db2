"""`rehearse score` as the function app/cli.py registers, run through typer's CliRunner on a
small Typer app of our own, with settings from the environment as a user would have them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from click.testing import Result
from typer.testing import CliRunner

from app.config import get_settings
from app.scoring.cli import score
from app.scoring.scorecard import Scorecard
from evals.cli import eval_scorer
from tests.scoring.helpers import BAD_RUBRIC, GOOD_RUBRIC, LINES

cli = typer.Typer()
cli.command("score")(score)
cli.command("eval-scorer")(eval_scorer)


@pytest.fixture(autouse=True)
def env_settings(
    tmp_path: Path, shared_index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A data folder with a copy of the shared index; no LLM configured."""
    data = tmp_path / "data"
    shutil.copytree(shared_index_dir, data / "chroma")
    monkeypatch.setenv("REHEARSE_DATA_DIR", str(data))
    monkeypatch.delenv("REHEARSE_LLM_BASE_URL", raising=False)
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize("fmt", ["text", "vtt", "json"])
def test_each_format_prints_a_json_scorecard(transcript_files: dict[str, Path], fmt: str) -> None:
    result = run("score", transcript_files[fmt], "--learner", "maya", "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    card = Scorecard.model_validate(data)
    assert card.model_dump(mode="json") == data, "the JSON is exactly the documented model"
    assert [(t.speaker, t.text) for t in card.turns] == LINES
    assert [t["index"] for t in data["turns"]] == list(range(len(LINES)))
    assert data["turns"][2]["labels"] in (["complex_reflection"], ["simple_reflection"])
    assert all(s["level"] for s in data["skills"])


def test_the_table_shows_levels_evidence_and_next_steps(transcript_files: dict[str, Path]) -> None:
    result = run("score", transcript_files["text"], "-l", "Maya")

    assert result.exit_code == 0, result.output
    assert "Active listening" in result.stdout and "Questioning" in result.stdout
    assert "next step" in result.stdout
    assert '"Why didn\'t you tell anyone?"' in result.stdout


def test_json_output_is_identical_run_to_run(transcript_files: dict[str, Path]) -> None:
    first = run("score", transcript_files["vtt"], "--learner", "Maya", "--json")
    second = run("score", transcript_files["vtt"], "--learner", "Maya", "--json")

    assert first.exit_code == second.exit_code == 0
    assert first.stdout == second.stdout


def test_an_unknown_learner_lists_the_speakers(transcript_files: dict[str, Path]) -> None:
    result = run("score", transcript_files["json"], "--learner", "Sam")

    assert result.exit_code == 2
    assert "learner 'Sam' is not a speaker in this transcript; speakers found: Maya, Jon" in (
        result.stderr
    )
    assert result.stdout == ""


MALFORMED = {
    "call.vtt": (
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nMaya: Hi\n\n2\nlater\nJon: Yo\n",
        "WebVTT transcript line 8: expected a timing line",
    ),
    "notes.vtt": ("Maya: Hi\n", "WebVTT transcript line 1: must start with 'WEBVTT'"),
    "call.json": (
        '[{"speaker": "Maya", "text": "Hi"}, {"speaker": "Jon", "text": 3}]',
        "JSON transcript item 1: 'text' must be a string",
    ),
    "call.txt": (
        "(recording starts)\nMaya: Hi\n",
        "text transcript line 1: expected 'Name: what they said'",
    ),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_files_say_what_and_where(tmp_path: Path, name: str) -> None:
    content, expected = MALFORMED[name]
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")

    result = run("score", path, "--learner", "Maya")

    assert result.exit_code == 2
    assert expected in result.stderr


def test_a_custom_rubric_is_used_and_a_bad_field_is_named(
    tmp_path: Path, transcript_files: dict[str, Path]
) -> None:
    good, bad = tmp_path / "team.yaml", tmp_path / "broken.yaml"
    good.write_text(GOOD_RUBRIC, encoding="utf-8")
    bad.write_text(BAD_RUBRIC, encoding="utf-8")

    used = run("score", transcript_files["text"], "-l", "Maya", "--json", "--rubric", good)
    refused = run("score", transcript_files["text"], "-l", "Maya", "--rubric", bad)

    assert used.exit_code == 0, used.output
    assert "team-questioning@2" in json.loads(used.stdout)["rubric_set"]
    assert refused.exit_code == 2
    assert "broken.yaml: criteria.0.weight: Input should be greater than 0" in refused.stderr
    assert "criteria.0.colour: Extra inputs are not permitted" in refused.stderr


def test_eval_scorer_meets_its_target_on_the_gold_pairs() -> None:
    result = run("eval-scorer")

    assert result.exit_code == 0, result.output
    assert "meets the 95% target" in result.stdout
