"""Log in and log out through HTML forms, with the same services and cookie as the JSON API."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.deps import DbSession, ServicesDep
from app.users import service as user_service
from app.users.auth import SESSION_COOKIE, optional_user
from app.users.models import User
from app.web.routing import PageRoute
from app.web.security import FormUser, check_same_origin, safe_next_path
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
    limiter = services.login_limiter
    keys = (f"ip:{request.client.host if request.client else '?'}", f"email:{email.lower()}")
    wait = limiter.retry_after(*keys)
    if wait:
        message = f"Too many failed logins. Try again in {wait} seconds."
        return _login_error(request, email, target, message, status_code=429)
    user = user_service.authenticate(db, email=email, password=password) if email else None
    if user is None:
        limiter.record_failure(*keys)
        return _login_error(request, email, target, "Wrong email or password.", status_code=401)
    limiter.reset(keys[1])
    ttl = timedelta(hours=services.settings.session_ttl_hours)
    token = user_service.open_login_session(db, user=user, ttl=ttl)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(ttl.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=services.settings.cookie_secure,
    )
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
