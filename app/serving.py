"""`rehearse serve`: take connections at once and say "warming" until the app is ready.

Importing the app and building its services (database, scenarios, the technique index, the
coder) takes seconds, more on a busy machine. Before this module the port stayed closed all
that time and a first-time user saw "connection refused". Now the server binds straight away
with :class:`WarmingApp`, which answers ``/api/v1/health`` with ``{"status": "warming",
"step": ...}`` (and every other request with 503 and ``Retry-After``, or a self-refreshing page
in a browser) while a thread imports and builds the real app; then it hands every request to
the real app. Each step is logged as it starts, so the terminal shows progress too.

This module imports only the light parts (uvicorn's ASGI types, anyio, the settings): the heavy
import of ``app.main`` happens in the warm-up thread.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from typing import Any

import anyio
import anyio.to_thread

from app import __version__
from app.config import Settings, get_settings

log = logging.getLogger("rehearse")

HEALTH_PATH = "/api/v1/health"
RETRY_AFTER_S = 2
_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{retry}"><title>Starting · Rehearse</title>
<style>body{{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;
color:#1d2330}}p.muted{{color:#5a6272}}</style></head><body>
<h1>Rehearse is starting</h1><p>{step}</p>
<p class="muted">This page reloads by itself; a first start takes a few seconds.</p>
</body></html>"""


class _LatestStep(logging.Handler):
    """Keeps the latest INFO line from our own loggers: the step /health reports."""

    def __init__(self, owner: WarmingApp) -> None:
        super().__init__(level=logging.INFO)
        self.owner = owner

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "rehearse" or record.name.startswith("app."):
            self.owner.step = record.getMessage()


class WarmingApp:
    """An ASGI app that answers "warming" until the real app is built, then forwards to it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app: Any = None
        self.step = "Starting: importing the application"
        self.failure: str | None = None
        self._started = time.monotonic()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif self.app is not None:
            await self.app(scope, receive, send)
        elif scope["type"] == "http":
            await self._answer_warming(scope, send)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        await receive()  # lifespan.startup
        await send({"type": "lifespan.startup.complete"})
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(self._warm)
            await receive()  # lifespan.shutdown
            tasks.cancel_scope.cancel()
        await send({"type": "lifespan.shutdown.complete"})

    async def _warm(self) -> None:
        # The steps are INFO lines of our loggers. With REHEARSE_LOG_LEVEL above INFO they still
        # reach the step handler (the loggers let INFO through for the warm-up), not the console.
        handler = _LatestStep(self)
        ours = [logging.getLogger(name) for name in ("rehearse", "app")]
        levels = [logger.level for logger in ours]
        for logger in ours:
            if logger.getEffectiveLevel() > logging.INFO:
                logger.setLevel(logging.INFO)
        logging.getLogger().addHandler(handler)
        try:
            app = await anyio.to_thread.run_sync(self._build, abandon_on_cancel=True)
        except Exception as exc:  # any failure to start is reported, then the server stops
            self.failure = f"{type(exc).__name__}: {exc}"
            log.exception("Rehearse could not start")
            self._stop()
            return
        finally:
            logging.getLogger().removeHandler(handler)
            for logger, level in zip(ours, levels, strict=True):
                logger.setLevel(level)
        async with app.router.lifespan_context(app):
            self.app = app
            log.info("Rehearse ready in %.1f s", time.monotonic() - self._started)
            await anyio.sleep_forever()

    def _stop(self) -> None:
        """Shut the server down as Ctrl+C would; `rehearse serve` then exits with status 1."""
        os.kill(os.getpid(), signal.SIGTERM)

    def _build(self) -> Any:
        from app.main import create_app  # the slow import, off the event loop
        from app.services import build_services

        return create_app(self.settings, services=build_services(self.settings))

    async def _answer_warming(self, scope: Any, send: Any) -> None:
        elapsed = round(time.monotonic() - self._started, 1)
        headers = [(b"retry-after", str(RETRY_AFTER_S).encode())]
        if scope["path"] == HEALTH_PATH:
            status = 503 if self.failure else 200
            state = "failed" if self.failure else "warming"
            body: dict[str, Any] = {"status": state, "version": __version__, "step": self.step}
            body.update(elapsed_s=elapsed, **({"error": self.failure} if self.failure else {}))
            await _send(send, status, "application/json", json.dumps(body).encode(), headers)
            return
        accept = dict(scope["headers"]).get(b"accept", b"").decode("latin-1")
        if "text/html" in accept and not scope["path"].startswith("/api/"):
            page = _PAGE.format(retry=RETRY_AFTER_S, step=_escape(self.step))
            await _send(send, 503, "text/html; charset=utf-8", page.encode(), headers)
            return
        error = {
            "error": {
                "code": "warming",
                "message": f"Rehearse is starting ({self.step}); try again in a moment",
            }
        }
        await _send(send, 503, "application/json", json.dumps(error).encode(), headers)


async def _send(
    send: Any, status: int, content_type: str, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type.encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Server options that belong to the app's security: X-Forwarded-For only when asked.

    uvicorn trusts the header from 127.0.0.1 by default; behind nothing, or with a client on
    the same machine, that let any caller choose the address the login limiter counts.
    """
    return {
        "proxy_headers": settings.trust_forwarded_for,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "timeout_keep_alive": 30,
    }


def configure_logging(settings: Settings) -> None:
    """The same format the app uses, set before the app exists so warm-up steps are shown."""
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    for handler in logging.getLogger().handlers:
        if handler.level == logging.NOTSET:
            handler.setLevel(settings.log_level)  # the warm-up lets INFO through to /health only


def warming_app() -> WarmingApp:
    """Factory for ``uvicorn app.serving:warming_app --factory`` (one per worker process)."""
    settings = get_settings()
    configure_logging(settings)
    return WarmingApp(settings)
