"""The app factory: builds the long-lived services once and maps domain errors to HTTP."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import text
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import __version__
from app.account.router import router as account_router
from app.cohorts.router import router as cohorts_router
from app.config import Settings, get_settings
from app.deps import Services, ServicesDep
from app.errors import PayloadTooLarge, RehearseError
from app.practice.router import router as practice_router
from app.progress.router import router as progress_router
from app.retrieval.router import router as retrieval_router
from app.scenarios import library
from app.scenarios.router import router as scenarios_router
from app.scoring.router import router as scoring_router
from app.services import build_services
from app.serving import uvicorn_options as uvicorn_options  # lives with `rehearse serve`
from app.users.router import router as users_router
from app.web.router import HOME_PATH, install_web_ui
from app.web.site import not_found_page, wants_html

log = logging.getLogger("rehearse")


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    """The app; ``services`` already built (``rehearse serve`` builds them while it answers
    "warming") or, by default, built in the lifespan."""
    settings = settings or get_settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Threads for ordinary sync routes; LLM work has its own (deps.run_on_llm_slot).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        app.state.services = services or build_services(settings)
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
        docs_url=None,  # served by app.web.site from packaged assets: FastAPI's use a CDN
        redoc_url=None,
    )

    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(LastResort)

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
        account_router,
        scenarios_router,
        practice_router,
        retrieval_router,
        scoring_router,
        cohorts_router,
        progress_router,
    ):
        app.include_router(router)
    install_web_ui(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse(
        status_code=status,
        content={"error": {"code": code, "message": message}},
        headers=headers or None,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Every failure becomes one JSON error; bad input is 4xx and lack of capacity 503."""

    @app.exception_handler(RehearseError)
    def _domain_error(_request: Request, exc: RehearseError) -> JSONResponse:
        retry = getattr(exc, "retry_after_s", None)
        headers = {"Retry-After": str(retry)} if retry is not None else {}
        return _error(exc.status_code, exc.code, exc.message, **headers)

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

    @app.exception_handler(StarletteHTTPException)
    def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and wants_html(request):
            return not_found_page(request)  # a mistyped address in a browser: a page, not JSON
        code = "bad_request" if exc.status_code == 400 else f"http_{exc.status_code}"
        return _error(exc.status_code, code, str(exc.detail), **(exc.headers or {}))

    @app.exception_handler(RecursionError)
    def _too_deep(_request: Request, _exc: RecursionError) -> JSONResponse:
        return _error(400, "bad_request", "the input is nested too deeply")

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    def _out_of_range(_request: Request, _exc: Exception) -> JSONResponse:
        # e.g. an id of 2**63 or more: no row can have it, and the driver cannot send it
        return _error(422, "invalid_input", "a number or value is out of range")

    @app.exception_handler(UnicodeError)
    def _bad_text(_request: Request, _exc: UnicodeError) -> JSONResponse:
        # lone surrogates ("\\ud800" in JSON) cannot be stored as UTF-8
        return _error(422, "invalid_input", "the text holds characters that are not valid Unicode")

    @app.exception_handler(SATimeoutError)
    def _pool_full(_request: Request, _exc: SATimeoutError) -> JSONResponse:
        return _error(
            503, "busy", "the server is busy; try again in a moment", **{"Retry-After": "1"}
        )

    @app.exception_handler(OperationalError)
    def _database_busy(_request: Request, exc: OperationalError) -> JSONResponse:
        # SQLite "database is locked" after its busy timeout; PostgreSQL connection trouble.
        # Logged by type only: the message could quote learner text if parameters were shown.
        log.warning("database error answered with 503: %s", type(exc.orig).__name__)
        return _error(
            503, "busy", "the database is busy; try again in a moment", **{"Retry-After": "2"}
        )


class BodyLimit:
    """413 for a body over ``max_bytes``, judged by Content-Length and by what actually arrives."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _error(413, "too_large", f"the body is over {self.max_bytes} bytes")(
                scope, receive, send
            )
            return
        if b"json" in dict(scope["headers"]).get(b"content-type", b""):
            body = await _read_body(receive, self.max_bytes)
            if body is None:
                await _error(413, "too_large", f"the body is over {self.max_bytes} bytes")(
                    scope, receive, send
                )
                return
            if _LONE_SURROGATE.search(body):
                # Valid JSON, but no text can hold it: storing or embedding it failed deep inside.
                await _error(422, "invalid_input", "the text holds an unpaired surrogate")(
                    scope, receive, send
                )
                return
            await self.app(scope, _replay(body), send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise PayloadTooLarge(f"the body is over {self.max_bytes} bytes")
            return message

        await self.app(scope, limited, send)


_LONE_SURROGATE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await anyio.sleep_forever()
        return {"type": "http.disconnect"}  # pragma: no cover

    return receive


class LastResort:
    """An unexpected error answers 500 as JSON and keeps the connection open.

    Starlette's own last handler re-raises after answering, and uvicorn then drops the
    keep-alive connection, so one bad request also failed the client's next ones.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except PayloadTooLarge as exc:
            if not started:
                await _error(413, exc.code, exc.message)(scope, receive, send)
        except Exception as exc:
            log.error("unhandled %s on %s %s", type(exc).__name__, scope["method"], scope["path"])
            log.debug("traceback", exc_info=True)
            if not started:
                await _error(500, "internal", "something went wrong on our side")(
                    scope, receive, send
                )


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated schema, plus what FastAPI leaves out: 400 for a body it cannot parse,
    413 for one that is too large, and 503 with Retry-After when out of capacity."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    error = {"$ref": "#/components/schemas/ErrorResponse"}
    schema.setdefault("components", {}).setdefault("schemas", {})["ErrorResponse"] = {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                "required": ["code", "message"],
            }
        },
        "required": ["error"],
    }
    as_json = {"application/json": {"schema": error}}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            if "requestBody" in operation:
                responses.setdefault(
                    "400", {"description": "The body could not be parsed", "content": as_json}
                )
                responses.setdefault(
                    "413", {"description": "The body is too large", "content": as_json}
                )
            responses.setdefault(
                "503",
                {
                    "description": "Out of capacity for now; retry after Retry-After seconds",
                    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                    "content": as_json,
                },
            )
    app.openapi_schema = schema
    return schema
