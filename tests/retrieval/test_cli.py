"""`rehearse index` as the function the main CLI registers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from app.config import get_settings
from app.retrieval.cli import index
from tests.retrieval.helpers import SMALL_SET, small_knowledge


@pytest.fixture
def env_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The CLI reads settings from the environment, as it does for a user."""
    small_knowledge(tmp_path)
    monkeypatch.setenv("REHEARSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("REHEARSE_KNOWLEDGE_DIR", str(tmp_path / "knowledge"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_index_prints_the_report_and_is_incremental(env_settings: Path) -> None:
    app = typer.Typer()
    app.command()(index)
    runner = CliRunner()

    first = runner.invoke(app, ["--no-progress"])
    (env_settings / "knowledge" / "techniques" / "paraphrasing.md").unlink()
    second = runner.invoke(app, ["--no-progress", "--verbose"])

    assert first.exit_code == 0, first.output
    assert f"{len(SMALL_SET)} added, 0 updated, 0 unchanged, 0 removed" in first.output
    assert "0 added, 0 updated, 4 unchanged, 1 removed" in second.output
    assert "removed: paraphrasing" in second.output
    assert (env_settings / "chroma").is_dir()
