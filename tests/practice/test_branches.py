"""Branches: practise a moment again from any learner turn, over real HTTP and real SQLite."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.config import Settings, get_settings
from app.db import MIGRATIONS_DIR, make_engine, make_session_factory, open_database
from app.practice.models import PracticeSession, Turn
from tests.cohorts.helpers import join_cohort
from tests.conftest import Accounts, make_settings

SCENARIO = "missed-deadlines"
LINES = [
    "Thanks for making time. How have things been for you on the project lately?",
    "Why do the files keep arriving late?",
    "It sounds like the last few weeks have been a lot heavier than usual.",
    "What has been getting in the way of the deadlines?",
]
BETTER = "It sounds like the deadlines have been weighing on you more than people see."


def start(api: httpx.Client, **extra: object) -> str:
    response = api.post("/api/v1/sessions", json={"scenario_id": SCENARIO, **extra})
    assert response.status_code == 201, response.text
    return str(response.json()["session"]["id"])


def say(api: httpx.Client, session_id: str, line: str, key: str | None = None) -> dict:
    headers = {"Idempotency-Key": key} if key else {}
    response = api.post(
        f"/api/v1/sessions/{session_id}/turns", json={"text": line}, headers=headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def practised(api: httpx.Client, lines: list[str] = LINES, **extra: object) -> str:
    session_id = start(api, **extra)
    for line in lines:
        say(api, session_id, line)
    return session_id


def branch(api: httpx.Client, session_id: str, at_turn: int) -> httpx.Response:
    return api.post(f"/api/v1/sessions/{session_id}/branches", json={"at_turn": at_turn})


def turns(api: httpx.Client, session_id: str) -> list[dict]:
    response = api.get(f"/api/v1/sessions/{session_id}/transcript")
    assert response.status_code == 200, response.text
    return list(response.json()["turns"])


@pytest.fixture
def db(settings: Settings) -> Iterator[Session]:
    """The live server's own database, read directly to compare full persona states."""
    engine = make_engine(settings.resolved_database_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


def stored(db: Session, session_id: str) -> tuple[PracticeSession, list[Turn]]:
    db.expire_all()
    session = db.get_one(PracticeSession, session_id)
    return session, list(session.turns)


def test_branch_restores_the_state_after_the_turn_before(api: httpx.Client, db: Session) -> None:
    parent_id = practised(api)
    made = branch(api, parent_id, at_turn=5)
    assert made.status_code == 201, made.text
    body = made.json()["session"]
    branch_id = body["id"]
    assert (body["parent_id"], body["branch_turn"], body["status"]) == (parent_id, 5, "active")

    parent, parent_turns = stored(db, parent_id)
    copy, copy_turns = stored(db, branch_id)
    assert [t.index for t in copy_turns] == [0, 1, 2, 3, 4]
    for mine, theirs in zip(copy_turns, parent_turns, strict=False):
        assert (mine.speaker, mine.text, mine.moves, mine.hint, mine.status) == (
            theirs.speaker,
            theirs.text,
            theirs.moves,
            theirs.hint,
            theirs.status,
        )
        assert mine.persona_state == theirs.persona_state
    # The full state (trust, disclosed layers, fired triggers, lines used, last outcome) is the
    # one saved after turn 4, not the parent's latest.
    assert copy.persona_state == parent_turns[4].persona_state
    assert copy.persona_state != parent.persona_state
    assert copy.created_at == parent.created_at and copy.private == parent.private

    # The built-in engine is deterministic: the same line replays the parent exactly...
    same = say(api, branch_id, LINES[2])
    assert same["peer"]["text"] == parent_turns[6].text
    _, replayed = stored(db, branch_id)
    assert replayed[6].persona_state == parent_turns[6].persona_state


def test_a_new_line_in_a_branch_changes_the_reaction_and_the_comparison_shows_it(
    api: httpx.Client,
) -> None:
    parent_id = practised(api)
    branch_id = branch(api, parent_id, at_turn=3).json()["session"]["id"]
    early = api.get(f"/api/v1/sessions/{branch_id}/comparison").json()
    assert early["retry"]["answered"] is False and early["changed"] is False

    reply = say(api, branch_id, BETTER)
    assert reply["learner"]["index"] == 3
    comparison = api.get(f"/api/v1/sessions/{branch_id}/comparison").json()
    original, retry = comparison["original"], comparison["retry"]
    assert original["line"] == LINES[1] and retry["line"] == BETTER
    assert "why_question" in original["labels"] and "why_question" not in retry["labels"]
    assert comparison["changed"] is True
    assert retry["reply"] != original["reply"]
    assert retry["trust"] > original["trust"]
    assert comparison["improved"] is True
    assert comparison["branch_levels"] is None, "not scored until the branch ends"

    api.post(f"/api/v1/sessions/{branch_id}/end").raise_for_status()
    scored = api.get(f"/api/v1/sessions/{branch_id}/comparison").json()
    assert scored["branch_levels"] and scored["parent_levels"] is None, "parent still active"

    mine = api.get("/api/v1/me/progress").json()
    assert (mine["retried_moments"], mine["improved_moments"]) == (1, 1)
    assert mine["retries"][0]["branch_id"] == branch_id
    assert all(point["session_id"] != branch_id for point in mine["sessions"])

    assert api.get(f"/api/v1/sessions/{parent_id}/comparison").status_code == 404


def test_a_branch_of_a_branch_and_the_tree_in_get_session(api: httpx.Client) -> None:
    parent_id = practised(api)
    first = branch(api, parent_id, at_turn=5).json()["session"]["id"]
    say(api, first, BETTER)
    say(api, first, LINES[3])
    second_made = branch(api, first, at_turn=7)
    assert second_made.status_code == 201, second_made.text
    second = second_made.json()["session"]["id"]

    assert [t["text"] for t in turns(api, second)] == [t["text"] for t in turns(api, first)][:7]
    assert turns(api, second)[5]["text"] == BETTER

    root = api.get(f"/api/v1/sessions/{parent_id}").json()
    assert root["tree"]["parent_id"] is None
    assert [(c["id"], c["branch_turn"]) for c in root["tree"]["children"]] == [(first, 5)]
    middle = api.get(f"/api/v1/sessions/{first}").json()
    assert (middle["tree"]["parent_id"], middle["tree"]["branch_turn"]) == (parent_id, 5)
    assert [c["id"] for c in middle["tree"]["children"]] == [second]
    leaf = api.get(f"/api/v1/sessions/{second}").json()
    assert (leaf["parent_id"], leaf["branch_turn"], leaf["tree"]["children"]) == (first, 7, [])


@pytest.mark.parametrize("at_turn", [0, 2, 9, 99, -1])
def test_branch_at_a_turn_that_is_not_a_learner_turn_is_422(
    api: httpx.Client, at_turn: int
) -> None:
    parent_id = practised(api)
    response = branch(api, parent_id, at_turn)
    assert response.status_code == 422, response.text
    assert "learner turns (1, 3, 5, 7)" in response.text


def test_branching_someone_elses_session_is_404(accounts: Accounts) -> None:
    _, ana = accounts.create("learner")
    _, ben = accounts.create("learner")
    session_id = practised(ana, LINES[:2])
    assert branch(ben, session_id, 1).status_code == 404
    assert branch(ben, "no-such-session", 1).status_code == 404


def test_private_session_branches_for_its_owner_and_refuses_the_trainer(
    accounts: Accounts,
) -> None:
    learner, ana = accounts.create("learner")
    _, tess = accounts.create("trainer")
    cohort = tess.post("/api/v1/cohorts", json={"name": "Branches"}).json()
    join_cohort(tess, ana, cohort["id"], learner["email"])
    session_id = practised(ana, LINES[:2], private=True)

    made = branch(ana, session_id, 3)
    assert made.status_code == 201, made.text
    branch_id = made.json()["session"]["id"]
    assert made.json()["session"]["private"] is True, "the parent's privacy carries over"

    refused = branch(tess, session_id, 3)
    assert refused.status_code == 403, refused.text
    # The trainer sees the branch exactly as the parent: scores yes, transcript no.
    assert tess.get(f"/api/v1/sessions/{branch_id}").status_code == 200
    assert tess.get(f"/api/v1/sessions/{session_id}/transcript").status_code == 403
    assert tess.get(f"/api/v1/sessions/{branch_id}/transcript").status_code == 403
    say(ana, branch_id, BETTER)
    seen = tess.get(f"/api/v1/sessions/{branch_id}/comparison").json()
    assert seen["original"]["line"] == "" and seen["retry"]["reply"] == ""
    assert seen["retry"]["answered"] is True and seen["retry"]["trust"] is not None
    progress = tess.get(f"/api/v1/learners/{learner['id']}/progress").json()
    assert progress["retried_moments"] == 1


def test_idempotent_retries_inside_a_branch(api: httpx.Client, db: Session) -> None:
    session_id = start(api)
    say(api, session_id, LINES[0], key="first-line")
    say(api, session_id, LINES[1], key="second-line")
    branch_id = branch(api, session_id, 3).json()["session"]["id"]

    # A key used before the branch point is part of the branch's history: no new turn.
    again = say(api, branch_id, LINES[0], key="first-line")
    assert again["learner"]["index"] == 1
    # A key used at the branch point in the parent is not: that turn is being replaced.
    fresh = say(api, branch_id, BETTER, key="second-line")
    assert fresh["learner"]["index"] == 3
    repeated = say(api, branch_id, BETTER, key="second-line")
    assert repeated == fresh
    _, saved = stored(db, branch_id)
    assert [t.index for t in saved] == [0, 1, 2, 3, 4]
    assert [t.idempotency_key for t in saved if t.speaker == "learner"] == [
        "first-line",
        "second-line",
    ]


def test_deleting_a_parent_deletes_its_branches_at_every_depth(
    api: httpx.Client, db: Session
) -> None:
    parent_id = practised(api, LINES[:3])
    first = branch(api, parent_id, 3).json()["session"]["id"]
    say(api, first, BETTER)
    second = branch(api, first, 3).json()["session"]["id"]
    sibling = branch(api, parent_id, 5).json()["session"]["id"]

    assert api.delete(f"/api/v1/sessions/{second}").status_code == 204
    assert api.get(f"/api/v1/sessions/{first}").status_code == 200, "a parent outlives its branch"

    assert api.delete(f"/api/v1/sessions/{parent_id}").status_code == 204
    for gone in (parent_id, first, sibling):
        assert api.get(f"/api/v1/sessions/{gone}").status_code == 404
    db.expire_all()
    left = db.scalars(
        select(Turn.session_id).where(Turn.session_id.in_([parent_id, first, sibling]))
    ).all()
    assert left == []
    assert api.delete(f"/api/v1/sessions/{parent_id}").status_code == 404


def test_migration_0005_down_and_up_keeps_every_turn(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'round-trip.db'}"
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))

    def run(step: str, target: str) -> None:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            getattr(command, step)(config, target)

    run("upgrade", "0004")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO scenarios (id, slug, version, source, content, content_hash,"
                " is_current, created_at) VALUES (1, 's', 1, 'builtin', '{}', 'h', 1, '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO practice_sessions (id, scenario_id, status, engine, hints_enabled,"
                " private, persona_state, created_at) VALUES ('p', 1, 'active', 'builtin', 0, 0,"
                " '{}', '2026-01-01')"
            )
        )
        connection.execute(
            text(
                'INSERT INTO turns (session_id, "index", speaker, text, status, moves, created_at)'
                " VALUES ('p', 0, 'peer', 'hello', 'ok', '[]', '2026-01-01')"
            )
        )
    run("upgrade", "0005")
    run("downgrade", "0004")
    run("upgrade", "0005")
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM turns")) == 1
        columns = {
            row[1] for row in connection.execute(text("PRAGMA table_info(practice_sessions)"))
        }
    assert {"parent_id", "branch_turn", "branched_at"} <= columns
    engine.dispose()


@pytest.fixture
def cli_env(
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


def test_cli_practice_from_a_turn_continues_a_branch(cli_env: Settings) -> None:
    runner = CliRunner()
    first = runner.invoke(cli_app, ["practice", SCENARIO], input=f"{LINES[0]}\n{LINES[1]}\n/end\n")
    assert first.exit_code == 0, first.output
    saved = re.search(r"Session ([0-9a-f-]{36}) saved", first.output)
    assert saved
    parent_id = saved.group(1)

    again = runner.invoke(
        cli_app, ["practice", "--from", f"{parent_id}:3"], input=f"{BETTER}\n/end\n"
    )
    assert again.exit_code == 0, again.output
    assert LINES[0] in again.output and LINES[1] not in again.output
    assert f"Branch of {parent_id}: say turn 3 again" in again.output

    with open_database(cli_env.resolved_database_url)() as db:
        branch = db.scalars(
            select(PracticeSession).where(PracticeSession.parent_id == parent_id)
        ).one()
        parent = db.get_one(PracticeSession, parent_id)
        assert (branch.branch_turn, branch.status, branch.user_id) == (3, "ended", parent.user_id)
        assert [t.text for t in branch.turns][3] == BETTER

    wrong = runner.invoke(cli_app, ["practice", "--from", f"{parent_id}:2"], input="/end\n")
    assert wrong.exit_code == 1 and "not one of this session's learner turns" in wrong.output
    both = runner.invoke(cli_app, ["practice", SCENARIO, "--from", f"{parent_id}:1"])
    assert both.exit_code == 2
