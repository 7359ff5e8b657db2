"""Several workers starting together on one empty database: one migrates and seeds, no one fails.

`rehearse serve --workers N` (and N containers on one PostgreSQL) start N processes at once.
Each migrates and seeds the first rows at start; db.startup_lock makes them take turns. The
threads below each open the database on their own connections, as separate processes would.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.db import open_database, session_scope
from app.users import service as user_service
from app.users.models import User
from tests.test_postgresql import Cluster, pg_cluster  # noqa: F401

STARTERS = 4


def _start_together(url: str) -> list[int]:
    """STARTERS workers open ``url`` at once; each seeds the first admin if there is none."""
    inside = threading.Semaphore(1)
    overlaps: list[int] = []
    created: list[int] = []

    def seed(factory: sessionmaker[Session]) -> None:
        if not inside.acquire(blocking=False):
            overlaps.append(1)  # two setups at the same time: the lock did not hold
            return
        try:
            with session_scope(factory) as db:
                if user_service.bootstrap_admin(db) is not None:
                    created.append(1)
                time.sleep(0.2)  # widen the window a second starter would slip into
        finally:
            inside.release()

    def start(_: int) -> sessionmaker[Session]:
        return open_database(url, pool_size=2, setup=seed)

    with ThreadPoolExecutor(STARTERS) as pool:
        factories = list(pool.map(start, range(STARTERS)))
    assert not overlaps, "two starters ran their setup at the same time"
    with factories[0]() as db:
        admins = db.scalar(select(func.count()).select_from(User))
    for factory in factories:
        factory.kw["bind"].dispose()
    return [len(created), int(admins or 0)]


def test_startup_lock_sqlite_one_starter_seeds(tmp_path: Path) -> None:
    assert _start_together(f"sqlite:///{tmp_path / 'fresh.db'}") == [1, 1]


def test_startup_lock_postgresql_one_starter_migrates_and_seeds(
    pg_cluster: Cluster,  # noqa: F811
) -> None:
    assert _start_together(pg_cluster.new_database()) == [1, 1]
