"""Site-wide pieces: the API docs pages (/docs, /redoc), the favicon and the browser 404 page.

FastAPI's own docs pages load Swagger UI and ReDoc from a CDN, so with no network they are
blank. The same pages are served here with the assets of the ``fastapi-offline`` package
(MIT; it bundles Swagger UI, Apache-2.0, and ReDoc, MIT). Only its static files are used.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from app.web.routing import _viewer
from app.web.templating import render

DOCS_ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
DOCS_ASSETS_URL = "/docs-assets"  # not under /static: that mount would answer first
FAVICON_URL = "/static/favicon.svg"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
# Both pages may load only from this server: ReDoc's bundle links its logo from its own CDN,
# which the browser would otherwise try to fetch (and show broken) on every visit.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)


def install_api_docs(app: FastAPI) -> None:
    """Swagger UI at /docs and ReDoc at /redoc from local assets, plus /favicon.ico.

    The app must be created with ``docs_url=None, redoc_url=None`` so FastAPI's CDN pages are
    not registered first.
    """
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=DOCS_ASSETS_DIR), name="api-docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _same_origin_only(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=f"{app.title} API",
                swagger_js_url=f"{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{DOCS_ASSETS_URL}/swagger-ui.css",
                swagger_favicon_url=FAVICON_URL,
                oauth2_redirect_url=OAUTH2_REDIRECT_URL,
            )
        )

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _same_origin_only(
            get_redoc_html(
                openapi_url=openapi_url,
                title=f"{app.title} API",
                redoc_js_url=f"{DOCS_ASSETS_URL}/redoc.standalone.js",
                redoc_favicon_url=FAVICON_URL,
                with_google_fonts=False,  # fonts from Google would need the network
            )
        )

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:
        return RedirectResponse(FAVICON_URL, status_code=301)


def _same_origin_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_CSP
    return page


def wants_html(request: Request) -> bool:
    """A browser asking for a page: not under /api/, and HTML preferred in Accept.

    API clients (curl sends */*, httpx and most libraries send */* or application/json) keep
    getting the JSON error; only an explicit text/html, as every browser sends for a
    navigation, gets the HTML page.
    """
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def not_found_page(request: Request) -> HTMLResponse:
    """The 404 a person sees in a browser: what was asked for, and where to go instead."""
    return render(
        request,
        "not_found.html",
        user=_viewer(request),
        status_code=404,
        path=request.url.path,
    )
