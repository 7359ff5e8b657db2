"""The main flows on PostgreSQL: a real cluster, the real server, and the rows checked directly.

A throwaway PostgreSQL cluster is made once for this module (initdb into a temp folder, started
on a free loopback port) and each test gets a fresh database in it, so every server start is
a first start (migrations, built-in scenarios, bootstrap admin) as on a new install. The
cluster runs in Pacific/Auckland time on purpose: a timestamp that is read or written in the
server's zone instead of UTC shows up as a 12-13 hour shift.

PostgreSQL refuses to run as root; as root the cluster runs as the ``postgres`` system user
(created if missing). Without the server binaries or psycopg the module is skipped and says
what is missing.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text

from app.config import Settings
from app.db import MIGRATIONS_DIR, Base, make_engine, migrate
from app.models import import_all_models
from tests.cohorts.helpers import join_cohort
from tests.cohorts.test_custom_rubrics import rubric_yaml
from tests.conftest import Accounts, LiveServer, make_settings

SERVER_TIMEZONE = "Pacific/Auckland"
LINES = [
    "Thanks for making the time. What's been on your plate this sprint?",
    "It sounds like you've been stretched across more than one team.",
    "What has made the deadlines hard to hit?",
    "So the scope kept growing while the date stayed fixed.",
    "What would help most over the next two weeks?",
]


def _postgres_bin_dir() -> Path | None:
    """Where initdb and pg_ctl live: on PATH, else the newest Debian-style install."""
    on_path = [shutil.which(tool) for tool in ("initdb", "pg_ctl")]
    if all(on_path):
        return Path(str(on_path[0])).resolve().parent
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _server_account() -> tuple[int, int] | None:
    """(uid, gid) to run the server as when we are root; None to run it as ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        if shutil.which("useradd") is None:
            pytest.skip("running as root with no 'postgres' user and no useradd to create one")
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", "postgres"],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    port: int
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def url(self, database: str, driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://rehearse@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        import psycopg

        name = f"rehearse_{next(self._names)}"
        dsn = self.url("postgres", driver="postgresql")
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="module")
def pg_cluster() -> Iterator[Cluster]:
    bin_dir = _postgres_bin_dir()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL server binaries not found: need initdb and pg_ctl on PATH or in "
            "/usr/lib/postgresql/<version>/bin (Debian: apt-get install postgresql)"
        )
    pytest.importorskip("psycopg", reason="psycopg is not installed (uv sync --group dev)")
    account = _server_account()
    root = Path(tempfile.mkdtemp(prefix="rehearse-pg-"))
    if account is not None:
        os.chown(root, *account)

    as_server: dict[str, Any] = {}
    if account is not None:
        as_server = {"user": account[0], "group": account[1], "extra_groups": []}

    def run(*args: str) -> None:
        done = subprocess.run(
            [str(bin_dir / args[0]), *args[1:]],
            cwd=root,  # the server's user may not be able to read our working directory
            capture_output=True,
            text=True,
            check=False,
            **as_server,
        )
        if done.returncode != 0:
            log = root / "server.log"
            server_log = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {done.stderr}{done.stdout}\n{server_log}")

    data = root / "data"
    port = _free_port()
    options = " ".join(
        [
            f"-p {port}",
            f"-k {root}",  # the unix socket stays in our folder, not /var/run/postgresql
            "-c listen_addresses=127.0.0.1",
            f"-c timezone={SERVER_TIMEZONE}",
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",  # throwaway data
        ]
    )
    try:
        run(
            "initdb",
            "-D",
            str(data),
            "-U",
            "rehearse",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        run(
            "pg_ctl",
            "start",
            "-D",
            str(data),
            "-l",
            str(root / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            options,
        )
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    try:
        yield Cluster(port)
    finally:
        run("pg_ctl", "stop", "-D", str(data), "-m", "fast", "-w")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def database_url(pg_cluster: Cluster) -> str:
    return pg_cluster.new_database()


@pytest.fixture
def settings(tmp_path: Path, shared_index_dir: Path, database_url: str) -> Settings:
    """Overrides conftest's: the live server and accounts now run on PostgreSQL."""
    return make_settings(tmp_path, shared_index_dir, database_url=database_url)


@pytest.fixture
def db(database_url: str) -> Iterator[Engine]:
    """A separate engine on the test's database, to check what the server really stored."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def count(engine: Engine, table: str, where: str = "TRUE", **params: object) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text(f"SELECT count(*) FROM {table} WHERE {where}"), params))


def utc_offset(stamp: str) -> timedelta | None:
    return datetime.fromisoformat(stamp).utcoffset()


def practise(client: httpx.Client, assignment_id: int | None = None, end: bool = True) -> dict:
    body: dict[str, object] = {"scenario_id": "missed-deadlines", "hints": True}
    if assignment_id is not None:
        body["assignment_id"] = assignment_id
    started = client.post("/api/v1/sessions", json=body)
    assert started.status_code == 201, started.text
    session_id = started.json()["session"]["id"]
    for line in LINES:
        sent = client.post(f"/api/v1/sessions/{session_id}/turns", json={"text": line})
        assert sent.status_code == 200, sent.text
    if not end:
        return {"session_id": session_id}
    ended = client.post(f"/api/v1/sessions/{session_id}/end")
    assert ended.status_code == 200, ended.text
    return {"session_id": session_id, **ended.json()}


def alembic_config(connection: object) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def test_migrations_build_the_models_schema_and_go_down_and_up_again(database_url: str) -> None:
    import_all_models()
    engine = make_engine(database_url)
    head = ScriptDirectory.from_config(alembic_config(None)).get_current_head()
    try:
        migrate(engine)
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT version_num FROM alembic_version")) == head
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
            assert differences == [], "the migrations and the models disagree on PostgreSQL"
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        with engine.connect() as connection:
            assert inspect(connection).get_table_names() == ["alembic_version"]
        migrate(engine)
        migrate(engine)  # a second start on a migrated database changes nothing
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT version_num FROM alembic_version")) == head
            assert "custom_rubrics" in inspect(connection).get_table_names()
    finally:
        engine.dispose()


def test_a_learner_practises_five_turns_and_is_scored(accounts: Accounts, db: Engine) -> None:
    _, ana = accounts.create("learner", "Ana")
    started = ana.post("/api/v1/sessions", json={"scenario_id": "missed-deadlines", "hints": True})
    assert started.status_code == 201, started.text
    session = started.json()["session"]
    assert utc_offset(session["created_at"]) == timedelta(0)
    session_id = session["id"]
    for n, line in enumerate(LINES):
        if n == 2:  # one streamed turn: its reply is saved from a database session of its own
            streamed = ana.post(
                f"/api/v1/sessions/{session_id}/turns", params={"stream": True}, json={"text": line}
            )
            assert streamed.status_code == 200 and "event: done" in streamed.text, streamed.text
            continue
        sent = ana.post(
            f"/api/v1/sessions/{session_id}/turns",
            json={"text": line},
            headers={"Idempotency-Key": f"turn-{n}"},
        )
        assert sent.status_code == 200, sent.text
    retried = ana.post(
        f"/api/v1/sessions/{session_id}/turns",
        json={"text": LINES[-1]},
        headers={"Idempotency-Key": f"turn-{len(LINES) - 1}"},
    )
    assert retried.status_code == 200 and retried.json()["learner"]["index"] == 9
    assert count(db, "turns", "session_id = :s", s=session_id) == 1 + 2 * len(LINES)

    scorecard = ana.post(f"/api/v1/sessions/{session_id}/end").json()
    assert {s["skill"] for s in scorecard["skills"]} == {
        "active_listening",
        "questioning",
        "feedback",
    }
    assert ana.get(f"/api/v1/sessions/{session_id}/scorecard").json() == scorecard
    assert ana.post(f"/api/v1/sessions/{session_id}/end").json() == scorecard, "scored once"
    with db.connect() as connection:
        levels, rubric_set = connection.execute(
            text("SELECT levels, rubric_set FROM scorecards WHERE session_id = :s"),
            {"s": session_id},
        ).one()
        hints = connection.scalars(
            text("SELECT hint FROM turns WHERE session_id = :s AND speaker = 'learner'"),
            {"s": session_id},
        ).all()
    assert levels == {s["skill"]: s["level"] for s in scorecard["skills"]}
    assert rubric_set == scorecard["rubric_set"]
    assert any(isinstance(hint, dict) for hint in hints), "hints are stored as JSON objects"

    transcript = ana.get(f"/api/v1/sessions/{session_id}/transcript").json()
    assert [t["index"] for t in transcript["turns"]] == list(range(1 + 2 * len(LINES)))
    assert transcript["session"]["status"] == "ended"
    assert utc_offset(transcript["session"]["ended_at"]) == timedelta(0)
    listed = ana.get("/api/v1/sessions").json()
    assert [s["id"] for s in listed] == [session_id]


def test_a_trainer_runs_a_cohort_assignment_with_a_custom_rubric(
    accounts: Accounts, db: Engine
) -> None:
    _, tess = accounts.create("trainer", "Tess")
    ana_user, ana = accounts.create("learner", "Ana")
    ben_user, ben = accounts.create("learner", "Ben")
    cohort = tess.post("/api/v1/cohorts", json={"name": "Spring cohort"}).json()
    for user, client in ((ben_user, ben), (ana_user, ana)):
        join_cohort(tess, client, cohort["id"], user["email"])
    again = tess.post(f"/api/v1/cohorts/{cohort['id']}/members", json={"email": ana_user["email"]})
    assert again.status_code == 409

    # A long rubric id makes the scorecard's rubric set name longer than the old 80 characters.
    long_id = "team-questioning-for-the-spring-cohort-of-2026"
    rubric = tess.post(
        "/api/v1/custom-rubrics",
        json={"name": "spring-q", "yaml": rubric_yaml("lenient", id=long_id)},
    )
    assert rubric.status_code == 201, rubric.text
    due = datetime.now(UTC).replace(microsecond=0, tzinfo=None) - timedelta(days=1)
    made = tess.post(
        "/api/v1/assignments",
        json={
            "scenario_id": "missed-deadlines",
            "cohort_id": cohort["id"],
            "rubric_id": rubric.json()["id"],
            "due_at": due.isoformat(),  # no offset: taken as UTC, not as the server's zone
            "target_levels": {"questioning": 3},
        },
    )
    assert made.status_code == 201, made.text
    assignment = made.json()
    assert datetime.fromisoformat(assignment["due_at"]) == due.replace(tzinfo=UTC)
    read_back = tess.get(f"/api/v1/assignments/{assignment['id']}").json()
    assert datetime.fromisoformat(read_back["due_at"]) == due.replace(tzinfo=UTC)

    def statuses() -> dict[str, str]:
        rows = tess.get(f"/api/v1/assignments/{assignment['id']}").json()["statuses"]
        return {row["learner"]["email"]: row["status"] for row in rows}

    assert statuses() == {ana_user["email"]: "not_started", ben_user["email"]: "not_started"}
    result = practise(ana, assignment["id"], end=False)
    assert statuses()[ana_user["email"]] == "in_progress"
    scorecard = ana.post(f"/api/v1/sessions/{result['session_id']}/end").json()
    questioning = next(s for s in scorecard["skills"] if s["skill"] == "questioning")
    assert questioning["title"] == "Questioning (lenient)" and questioning["level"] >= 3
    assert len(scorecard["rubric_set"]) > 80
    assert statuses() == {ana_user["email"]: "target_met", ben_user["email"]: "not_started"}

    progress = tess.get(f"/api/v1/cohorts/{cohort['id']}/progress").json()
    assert [row["display_name"] for row in progress] == ["Ana", "Ben"], "ordered by name"
    assert [row["behind"] for row in progress] == [False, True], "Ben is past due"
    csv_rows = tess.get(f"/api/v1/cohorts/{cohort['id']}/progress.csv").text.splitlines()
    assert csv_rows[1].startswith("Ana,") and csv_rows[2].startswith("Ben,")
    assert ana.get("/api/v1/me/assignments").json()[0]["status"] == "target_met"
    with db.connect() as connection:
        stored = connection.scalar(
            text("SELECT rubric_set FROM scorecards WHERE session_id = :s"),
            {"s": result["session_id"]},
        )
    assert stored == scorecard["rubric_set"]


def test_strings_that_fit_sqlite_also_fit_postgresql(accounts: Accounts) -> None:
    """PostgreSQL enforces VARCHAR lengths that SQLite ignores: values are checked or cut."""
    long_email = "a" * 140 + "@example.org"
    made = accounts.admin.post(
        "/api/v1/users",
        json={"email": long_email, "password": "long-enough-password", "display_name": ""},
    )
    assert made.status_code == 201, made.text
    assert made.json()["display_name"] == long_email[:120]
    too_long = accounts.admin.post(
        "/api/v1/users",
        json={
            "email": "b@example.org",
            "password": "long-enough-password",
            "display_name": "x" * 121,
        },
    )
    assert too_long.status_code == 422 and "display_name" in too_long.text


def test_scenario_authoring_adds_versions(accounts: Accounts, db: Engine) -> None:
    _, tess = accounts.create("trainer", "Tess")
    _, ana = accounts.create("learner", "Ana")
    source = tess.get("/api/v1/scenarios/missed-deadlines/source").text
    before = ana.post("/api/v1/sessions", json={"scenario_id": "missed-deadlines"}).json()
    edit = {"yaml": source.replace("title: ", "title: (Edited) ", 1)}
    assert tess.put("/api/v1/scenarios/missed-deadlines", json=edit).status_code == 403
    edited = accounts.admin.put("/api/v1/scenarios/missed-deadlines", json=edit)
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == before["session"]["scenario_version"] + 1
    kept = ana.get(f"/api/v1/sessions/{before['session']['id']}").json()
    assert kept["scenario_version"] == before["session"]["scenario_version"]
    after = ana.post("/api/v1/sessions", json={"scenario_id": "missed-deadlines"}).json()
    assert after["session"]["scenario_title"].startswith("(Edited) ")

    copy = source.replace("id: missed-deadlines", "id: missed-deadlines-ops", 1)
    assert tess.post("/api/v1/scenarios", json={"yaml": copy}).status_code == 201
    assert tess.post("/api/v1/scenarios", json={"yaml": copy}).status_code == 409
    listed = [s["id"] for s in ana.get("/api/v1/scenarios").json()]
    assert listed == sorted(listed) and "missed-deadlines-ops" in listed
    with db.connect() as connection:
        rows = connection.execute(
            text("SELECT version, is_current FROM scenarios WHERE slug = :s ORDER BY version"),
            {"s": "missed-deadlines"},
        ).all()
    assert [tuple(row) for row in rows] == [(1, False), (2, True)]


def test_a_learner_exports_then_deletes_their_data_and_the_rows_are_gone(
    accounts: Accounts, db: Engine
) -> None:
    _, tess = accounts.create("trainer", "Tess")
    ana_user, ana = accounts.create("learner", "Ana")
    _, ben = accounts.create("learner", "Ben")
    cohort = tess.post("/api/v1/cohorts", json={"name": "Cohort"}).json()
    join_cohort(tess, ana, cohort["id"], ana_user["email"])
    ana_session = practise(ana)
    ben_session = practise(ben)

    exported = ana.get("/api/v1/me/export")
    assert exported.status_code == 200, exported.text
    sessions = exported.json()["sessions"]
    assert [s["id"] for s in sessions] == [ana_session["session_id"]]
    assert len(sessions[0]["turns"]) == 1 + 2 * len(LINES)
    assert sessions[0]["scorecard"]["rubric_set"] == ana_session["rubric_set"]
    assert utc_offset(sessions[0]["created_at"]) == timedelta(0)

    refused = ana.request("DELETE", "/api/v1/me", json={"confirm": "yes"})
    assert refused.status_code == 422
    deleted = ana.request("DELETE", "/api/v1/me", json={"confirm": "delete my data"})
    assert deleted.status_code == 204, deleted.text
    assert ana.get("/api/v1/me").status_code == 401

    uid, sid = ana_user["id"], ana_session["session_id"]
    assert count(db, "users", "id = :u", u=uid) == 0
    assert count(db, "practice_sessions", "user_id = :u OR id = :s", u=uid, s=sid) == 0
    assert count(db, "turns", "session_id = :s", s=sid) == 0
    assert count(db, "scorecards", "session_id = :s", s=sid) == 0
    assert count(db, "api_tokens", "user_id = :u", u=uid) == 0
    assert count(db, "login_sessions", "user_id = :u", u=uid) == 0
    assert count(db, "cohort_members", "user_id = :u", u=uid) == 0
    assert count(db, "turns", "session_id = :s", s=ben_session["session_id"]) > 0, "Ben's stay"
    assert count(db, "scorecards", "session_id = :s", s=ben_session["session_id"]) == 1


def test_a_restart_keeps_sessions_and_they_carry_on(
    settings: Settings, live_server: LiveServer, accounts: Accounts, db: Engine
) -> None:
    _, ana = accounts.create("learner", "Ana")
    half = practise(ana, end=False)
    users_before = count(db, "users")
    live_server.stop()

    restarted = LiveServer(settings).start()
    try:
        with httpx.Client(base_url=restarted.url, headers=ana.headers, timeout=30) as again:
            kept = again.get(f"/api/v1/sessions/{half['session_id']}/transcript")
            assert kept.status_code == 200, "the API token and the session survive a restart"
            assert len(kept.json()["turns"]) == 1 + 2 * len(LINES)
            more = again.post(
                f"/api/v1/sessions/{half['session_id']}/turns",
                json={"text": "What would a good outcome look like for you?"},
            )
            assert more.status_code == 200 and more.json()["learner"]["index"] == 11
            assert again.post(f"/api/v1/sessions/{half['session_id']}/end").status_code == 200
    finally:
        restarted.stop()
    assert count(db, "users") == users_before, "no second bootstrap admin on a restart"
    assert count(db, "scenarios", "slug = 'missed-deadlines'") == 1, (
        "re-syncing unchanged built-in scenarios adds no versions"
    )
