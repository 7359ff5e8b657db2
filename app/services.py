"""The composition root: everything a process builds once (database, index, models, rubrics).

Used by the app factory (:mod:`app.main`), by ``rehearse serve`` while it warms up, and by the
command-line practice, so none of them needs the web app to get the services.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import open_database, session_scope
from app.deps import Services
from app.embeddings import get_embedder
from app.llm.openai_client import make_chat_model
from app.persona.engines import make_peer_engine
from app.retrieval.service import get_retriever
from app.scenarios import library
from app.scoring.rubric import load_rubric_set
from app.users import security
from app.users import service as user_service

log = logging.getLogger("rehearse")


def build_services(settings: Settings) -> Services:
    """Everything a request needs that is costly to build: done once per process.

    Each step is logged, so a first start shows what it is doing (and ``/api/v1/health``
    reports the latest step while ``rehearse serve`` warms up).
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    security.use_hash_cost(
        time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib
    )
    limit_malloc_arenas(settings.malloc_arenas)
    log.info("Starting: opening the database and applying migrations")

    def first_rows(factory: sessionmaker[Session]) -> None:
        log.info("Starting: loading scenarios")
        scenarios = library.load_scenario_files(settings.knowledge_dir / "scenarios")
        with session_scope(factory) as db:
            library.sync_builtin(db, scenarios)
            _bootstrap_admin(db, settings)

    session_factory = open_database(
        settings.resolved_database_url,
        pool_size=settings.resolved_db_pool_size,
        pool_timeout_s=settings.db_pool_timeout_s,
        setup=first_rows,  # one process at a time (db.startup_lock)
    )
    chat_model = make_chat_model(settings)
    log.info("Starting: opening the technique index")
    retriever = get_retriever(settings)
    log.info("Starting: loading the peer engine and rubrics")
    services = Services(
        settings=settings,
        session_factory=session_factory,
        retriever=retriever,
        peer_engine=make_peer_engine(settings, chat_model),
        chat_model=chat_model,
        rubrics=load_rubric_set(settings.rubrics_dir),
    )
    log.info("Starting: loading the sentence model")
    get_embedder().embed_one("warm up")  # else the first turn pays ~0.5 s and the memory spike
    release_free_memory()
    return services


_M_ARENA_MAX = -8  # glibc's mallopt parameter number


def limit_malloc_arenas(arenas: int) -> None:
    """Cap glibc's malloc arenas (as MALLOC_ARENA_MAX does), before the request threads start.

    glibc gives each thread that meets a busy heap a new arena, up to 8 per core, and an arena
    keeps its high-water mark. With 64 request threads that cost ~390 MB of RSS after 40
    concurrent sessions on 2 cores, against ~220 MB with 2 arenas at the same throughput. 0 leaves
    glibc's default; a no-op off glibc.
    """
    if arenas <= 0:
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(_M_ARENA_MAX, arenas)
    except (OSError, AttributeError):
        pass


def release_free_memory() -> None:
    """Hand memory freed during start-up back to the system (glibc only; a no-op elsewhere).

    onnxruntime folds the int8 weights of the sentence model into float32 when it loads it,
    and frees the int8 copies and the temporaries; glibc keeps those freed pages in its heap.
    Trimming after the warm-up returns ~50 MB per worker (the README has the numbers).
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _bootstrap_admin(db: Session, settings: Settings) -> None:
    """First run on an empty database: a local admin, credentials in a 0600 file, not the log."""
    created = user_service.bootstrap_admin(db)
    if created is None:
        return
    user, password, token = created
    path = settings.data_dir / "initial-admin.txt"
    path.write_text(
        f"email: {user.email}\npassword: {password}\napi_token: {token}\n", encoding="utf-8"
    )
    path.chmod(0o600)
    log.warning("Created the local admin %s; credentials are in %s", user.email, path.resolve())
