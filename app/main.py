"""The app factory: builds the long-lived services once and maps domain errors to HTTP."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import __version__
from app.cohorts.router import router as cohorts_router
from app.config import Settings, get_settings
from app.db import open_database, session_scope
from app.deps import Services, ServicesDep
from app.errors import RehearseError
from app.llm.openai_client import make_chat_model
from app.persona.engines import make_peer_engine
from app.practice.router import router as practice_router
from app.retrieval.router import router as retrieval_router
from app.retrieval.service import get_retriever
from app.scenarios import library
from app.scenarios.router import router as scenarios_router
from app.scoring.router import router as scoring_router
from app.scoring.rubric import load_rubric_set
from app.users import service as user_service
from app.users.router import router as users_router
from app.web.router import HOME_PATH, install_web_ui

log = logging.getLogger("rehearse")


def build_services(settings: Settings) -> Services:
    """Everything a request needs that is costly to build: done once per process."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    session_factory = open_database(settings.resolved_database_url)
    with session_scope(session_factory) as db:
        library.sync_builtin(db, library.load_scenario_files(settings.knowledge_dir / "scenarios"))
        _bootstrap_admin(db, settings)
    chat_model = make_chat_model(settings)
    return Services(
        settings=settings,
        session_factory=session_factory,
        retriever=get_retriever(settings),
        peer_engine=make_peer_engine(settings, chat_model),
        chat_model=chat_model,
        rubrics=load_rubric_set(settings.rubrics_dir),
    )


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


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = build_services(settings)
        log.info(
            "Rehearse %s ready (peer engine: %s)", __version__, app.state.services.peer_engine.name
        )
        yield

    app = FastAPI(
        title="Rehearse",
        version=__version__,
        description="Rehearse hard workplace conversations with an AI peer; get scored on "
        "active listening, questioning and feedback, with evidence from your own lines.",
        lifespan=lifespan,
    )

    @app.exception_handler(RehearseError)
    def _domain_error(_request: Request, exc: RehearseError) -> JSONResponse:
        return JSONResponse(
            status_code=exc.status_code,
            content={"error": {"code": exc.code, "message": exc.message}},
        )

    @app.exception_handler(RequestValidationError)
    def _invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in err["loc"] if p != "body"), "message": err["msg"]}
            for err in exc.errors()
        ]
        message = "; ".join(f"{d['field']}: {d['message']}" for d in details)
        return JSONResponse(
            status_code=422,
            content={"error": {"code": "invalid_input", "message": message, "details": details}},
        )

    @app.get("/api/v1/health", tags=["ops"])
    def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "version": __version__}

    @app.get("/api/v1/ready", tags=["ops"])
    def ready(services: ServicesDep) -> JSONResponse:
        """Readiness: the database answers, scenarios are loaded and the index can be searched."""
        checks: dict[str, str] = {}
        try:
            with services.session_factory() as db:
                db.execute(text("SELECT 1"))
                checks["scenarios"] = str(len(library.list_current(db)))
            checks["database"] = "ok"
        except Exception as exc:  # readiness reports any failure instead of raising it
            checks["database"] = f"error: {type(exc).__name__}"
        try:
            services.retriever.search("open questions", k=1)
            checks["index"] = "ok"
        except Exception as exc:
            checks["index"] = f"error: {type(exc).__name__}"
        checks["peer_engine"] = services.peer_engine.name
        healthy = checks["database"] == "ok" and checks["index"] == "ok"
        return JSONResponse(
            status_code=200 if healthy else 503, content={"ready": healthy, **checks}
        )

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(HOME_PATH)

    for router in (
        users_router,
        scenarios_router,
        practice_router,
        retrieval_router,
        scoring_router,
        cohorts_router,
    ):
        app.include_router(router)
    install_web_ui(app)
    return app
