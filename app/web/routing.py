"""Page routes answer errors with HTML pages, not the JSON errors of the API.

``PageRoute`` turns a domain error (or a malformed request) raised while building a page into
``PageProblem``. It is re-raised, not answered on the spot, so that it travels out through the
request's database transaction (which then rolls back) before ``page_problem_page`` renders
the friendly error page with the same status code the API would have used.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute

from app.errors import RehearseError
from app.users.auth import SESSION_COOKIE
from app.users.models import User
from app.users.service import user_for_session_token
from app.web.security import LoginRequired
from app.web.templating import render

TITLES = {
    400: "That did not work",
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    409: "Not possible right now",
    422: "Please check what you entered",
    429: "Too many attempts",
    503: "The service is busy",
}


class PageProblem(Exception):
    """A domain error met while building a page, carried out of the transaction."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle_page(request: Request) -> Response:
            try:
                return await handler(request)
            except RehearseError as exc:
                raise PageProblem(exc.status_code, exc.message) from exc
            except RequestValidationError as exc:
                raise PageProblem(422, _describe_invalid_request(exc)) from exc

        return handle_page


def _describe_invalid_request(exc: RequestValidationError) -> str:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"] if p not in ("body", "query", "path", "form"))
        problems.append(f"{where}: {err['msg']}" if where else err["msg"])
    return "; ".join(problems) or "the request was not valid"


def _viewer(request: Request) -> User | None:
    """The logged-in user for the error page's navigation; None if unknown or on any doubt."""
    cookie = request.cookies.get(SESSION_COOKIE)
    services = getattr(request.app.state, "services", None)
    if not cookie or services is None:
        return None
    with services.session_factory() as db:
        user = user_for_session_token(db, cookie)
        if user is not None:
            db.expunge(user)
        return user


def page_problem_page(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, PageProblem)
    return render(
        request,
        "error.html",
        user=_viewer(request),
        status_code=exc.status_code,
        title=TITLES.get(exc.status_code, "Something went wrong"),
        message=exc.message,
        status=exc.status_code,
    )


def login_redirect(_request: Request, exc: Exception) -> RedirectResponse:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(exc.next_path, status_code=303)
