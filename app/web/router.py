"""Everything the web UI adds to the app, installed by one call from ``create_app``."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from app.web import (
    pages_account,
    pages_auth,
    pages_branch,
    pages_practice,
    pages_review,
    pages_score,
    pages_trainer,
)
from app.web.routing import PageProblem, login_redirect, page_problem_page
from app.web.security import LoginRequired
from app.web.site import install_api_docs
from app.web.templating import STATIC_DIR

router = APIRouter(include_in_schema=False)
for _pages in (
    pages_account,
    pages_auth,
    pages_practice,
    pages_review,
    pages_score,
    pages_trainer,
    pages_branch,
):
    router.include_router(_pages.router)

HOME_PATH = "/home"


def install_web_ui(app: FastAPI) -> None:
    """Pages, their static files, and the handlers that turn page errors into HTML."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(PageProblem, page_problem_page)
    app.add_exception_handler(LoginRequired, login_redirect)
    install_api_docs(app)
