"""The `rehearse` command itself: lazy start-up, the scenario list, who owns a terminal session,
and the order of questions in `admin create-user`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import EvalCommands, RootCommands, scenario_rows
from app.cli import app as cli_app
from app.config import PACKAGE_DIR, PROJECT_ROOT, Settings, get_settings
from app.db import open_database
from app.practice.models import PracticeSession
from app.scenarios.library import load_scenario_files
from app.users.models import User
from app.users.security import MIN_PASSWORD_LENGTH
from tests.conftest import make_settings

HEAVY = ("app.main", "evals", "sqlalchemy", "chromadb", "app.config", "app.scoring")


def test_cli_import_leaves_the_heavy_modules_unloaded() -> None:
    """`rehearse --help` pays only for typer: nothing else is imported until a command runs."""
    probe = (
        "import sys, app.cli\n"
        f"print(sorted({{m.split('.')[0] if m.startswith('evals') else m for m in sys.modules}}"
        f" & set({HEAVY!r})))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT
    ).stdout.strip()
    assert loaded == "[]"


@pytest.mark.parametrize("group", [RootCommands, EvalCommands])
def test_cli_lazy_help_lines_match_the_real_commands(group: type) -> None:
    for name, entry in group.lazy.items():
        command = entry.load(name)
        first_paragraph = " ".join((command.help or "").split("\n\n")[0].split())
        assert entry.help == first_paragraph, name


def test_cli_help_lists_every_command_without_loading_them() -> None:
    result = CliRunner().invoke(cli_app, ["--help"])
    assert result.exit_code == 0, result.output
    for name in [*RootCommands.lazy, "serve", "scenarios", "config", "eval"]:
        assert f"  {name} " in result.output


def test_cli_scenario_rows_agree_with_the_validated_files() -> None:
    folder = PACKAGE_DIR / "knowledge" / "scenarios"
    validated = load_scenario_files(folder)
    rows = scenario_rows(folder)
    assert [row[0] for row in rows] == [s.id for s in validated]
    assert [row[1] for row in rows] == [s.title for s in validated]
    assert [row[3] for row in rows] == [s.difficulty.value for s in validated]


def test_cli_scenarios_prints_each_id_whole_on_one_line() -> None:
    result = CliRunner().invoke(cli_app, ["scenarios"], terminal_width=60)
    assert result.exit_code == 0, result.output
    first_words = {line.split()[0] for line in result.output.splitlines() if line.strip()}
    ids = [row[0] for row in scenario_rows(PACKAGE_DIR / "knowledge" / "scenarios")]
    assert ids and set(ids) <= first_words


@pytest.fixture
def cli_settings(
    tmp_path: Path, shared_index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings the CLI reads from the environment, as it does for a user."""
    settings = make_settings(tmp_path, shared_index_dir)
    monkeypatch.setenv("REHEARSE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("REHEARSE_CHROMA_PATH", str(settings.chroma_path))
    monkeypatch.setenv("REHEARSE_LOG_LEVEL", "WARNING")
    monkeypatch.delenv("REHEARSE_AS", raising=False)
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def _owners(settings: Settings) -> list[str | None]:
    with open_database(settings.resolved_database_url)() as db:
        sessions = db.scalars(select(PracticeSession).order_by(PracticeSession.created_at))
        return [db.get(User, s.user_id).email if s.user_id else None for s in sessions]


def test_cli_practice_saves_the_session_under_the_local_admin(cli_settings: Settings) -> None:
    result = CliRunner().invoke(
        cli_app, ["practice", "missed-deadlines"], input="How are things going?\n/end\n"
    )
    assert result.exit_code == 0, result.output
    assert "Practising as admin@localhost" in result.output
    assert _owners(cli_settings) == ["admin@localhost"]


def test_cli_practice_as_another_user(cli_settings: Settings) -> None:
    runner = CliRunner()
    password = "x" * MIN_PASSWORD_LENGTH
    runner.invoke(cli_app, ["practice", "missed-deadlines"], input="/end\n")  # first start
    created = runner.invoke(
        cli_app,
        ["admin", "create-user", "--email", "sam@example.org", "--password", password],
    )
    assert created.exit_code == 0, created.output

    result = runner.invoke(
        cli_app,
        ["practice", "missed-deadlines", "--as", "sam@example.org"],
        input="What has been going on?\n/end\n",
    )
    unknown = runner.invoke(cli_app, ["practice", "missed-deadlines", "--as", "nobody@x.org"])

    assert result.exit_code == 0, result.output
    assert _owners(cli_settings) == ["admin@localhost", "sam@example.org"]
    assert unknown.exit_code == 1
    assert "no account with email 'nobody@x.org'" in unknown.output


def test_cli_create_user_refuses_a_short_password_before_confirming(
    cli_settings: Settings,
) -> None:
    short, good = "short", "long-enough-password"
    result = CliRunner().invoke(
        cli_app,
        ["admin", "create-user", "--email", "kim@example.org"],
        input=f"{short}\n{good}\n{good}\n",
    )
    assert result.exit_code == 0, result.output
    before_refusal = result.output.split(f"At least {MIN_PASSWORD_LENGTH} characters")[0]
    assert "Repeat for confirmation" not in before_refusal
    assert result.output.count("Repeat for confirmation") == 1
    assert "Created learner kim@example.org" in result.output


def test_cli_eval_outside_a_checkout_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    """In an installed wheel there is no evals/ package: the command says so instead of a
    traceback."""
    monkeypatch.delitem(sys.modules, "evals.retrieval_eval", raising=False)
    monkeypatch.setitem(sys.modules, "evals", None)  # what a missing package looks like
    with pytest.raises(typer.BadParameter, match="source checkout"):
        EvalCommands.lazy["retrieval"].load("retrieval")
