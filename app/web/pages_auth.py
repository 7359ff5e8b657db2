"""Log in and log out through HTML forms, with the same services and cookie as the JSON API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.deps import DbSession, ServicesDep
from app.errors import TooManyRequests, Unauthorized
from app.users import service as user_service
from app.users.auth import (
    SESSION_COOKIE,
    check_same_origin,
    log_in,
    optional_user,
    set_login_cookie,
)
from app.users.models import User
from app.web.routing import PageRoute
from app.web.security import FormUser, safe_next_path
from app.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/login")
def login_page(
    request: Request,
    user: Annotated[User | None, Depends(optional_user)],
    next: str | None = None,
) -> Response:
    if user is not None:
        return RedirectResponse(safe_next_path(next), status_code=303)
    return render(request, "login.html", user=None, next=safe_next_path(next), email="", error=None)


@router.post("/login")
def login_submit(
    request: Request,
    db: DbSession,
    services: ServicesDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Rate-limited like the JSON login: per client address and per email."""
    check_same_origin(request)
    target = safe_next_path(next)
    try:
        _, token = log_in(request, db, services, email=email, password=password)
    except TooManyRequests as exc:
        return _login_error(request, email, target, f"{exc.message.capitalize()}.", status_code=429)
    except Unauthorized:
        return _login_error(request, email, target, "Wrong email or password.", status_code=401)
    response = RedirectResponse(target, status_code=303)
    set_login_cookie(response, token, services.settings)
    return response


def _login_error(
    request: Request, email: str, target: str, message: str, *, status_code: int
) -> HTMLResponse:
    return render(
        request,
        "login.html",
        user=None,
        status_code=status_code,
        next=target,
        email=email,
        error=message,
    )


@router.post("/logout")
def logout(request: Request, _user: FormUser, db: DbSession) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        user_service.close_login_session(db, cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
