"""Database engine, session factory and migrations.

SQLite by default, PostgreSQL (or anything SQLAlchemy speaks) by URL. The schema is owned by
Alembic migrations in app/migrations, applied automatically at start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Engine,
    MetaData,
    TypeDecorator,
    create_engine,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

try:
    import fcntl
except ImportError:  # Windows: no file lock; run one worker there
    fcntl = None  # type: ignore[assignment]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware column that reads back aware, in UTC, on every database.

    SQLite drops the zone and returns naive values, which we stored as UTC. PostgreSQL keeps
    the instant but answers in the connection's time zone (the server's, e.g. +13:00), so
    values are converted to UTC on the way out. A naive value on the way in (an API client
    that sent no offset) is taken as UTC on both, instead of PostgreSQL reading it in the
    server's zone. Without this, the same row would serialise differently per database.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


JSONDict = dict[str, Any]  # a JSON object column: Mapped[JSONDict]
JSONList = list[Any]  # a JSON array column: Mapped[JSONList]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict: JSON,
        list: JSON,
        JSONDict: JSON,
        JSONList: JSON,
        datetime: UtcDateTime(),
    }


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime; a naive one is taken to be UTC already.

    SQLite hands back naive datetimes even for timezone-aware columns (we stored UTC).
    """
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def make_engine(url: str, *, pool_size: int = 5, pool_timeout_s: float = 30.0) -> Engine:
    """An engine whose pool holds ``pool_size`` connections, never more.

    ``hide_parameters``: a database error would otherwise print the bound values in its
    message, and those are learners' words (private sessions included); logs must hold none.
    A request that finds no free connection within ``pool_timeout_s`` gets sqlalchemy's
    TimeoutError, which app/main.py answers with 503 and Retry-After.
    """
    options: dict[str, Any] = {
        "hide_parameters": True,
        "pool_size": pool_size,
        "max_overflow": 0,
        "pool_timeout": pool_timeout_s,
    }
    if url.startswith("sqlite"):
        if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
            options = {"hide_parameters": True}
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **options
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **options)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web server read while a practice turn is being written; foreign keys make
    # deletes cascade for real (SQLite leaves them off unless asked).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration; safe to call at every start."""
    from alembic import command  # here: alembic takes a third of a second to import
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def open_database(
    url: str,
    *,
    pool_size: int = 5,
    pool_timeout_s: float = 30.0,
    setup: Callable[[sessionmaker[Session]], None] | None = None,
) -> sessionmaker[Session]:
    """An engine on ``url`` with the schema migrated to the newest version.

    Migrating and ``setup`` (first rows: built-in scenarios, the first admin) run under
    :func:`startup_lock`, so workers and containers starting together on one database take
    turns: the first migrates and seeds, the others find it done.
    """
    engine = make_engine(url, pool_size=pool_size, pool_timeout_s=pool_timeout_s)
    factory = make_session_factory(engine)
    with startup_lock(engine):
        migrate(engine)
        if setup is not None:
            setup(factory)
    return factory


# Any constant shared by every Rehearse process; pg_advisory_lock takes a 64-bit key.
_STARTUP_LOCK_KEY = 0x5245_4845_4152_5345 >> 2  # "REHEARSE"


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """One process at a time: a PostgreSQL advisory lock, or a file lock beside a SQLite file.

    Without it, N workers starting on an empty database all run the first migration (N-1
    fail on "table exists") and all create the first admin.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _STARTUP_LOCK_KEY})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": _STARTUP_LOCK_KEY}
                )
                connection.commit()
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or fcntl is None:
        yield
        return
    with open(f"{database}.startup-lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
