"""Who is calling: a bearer API token, or the web UI's session cookie."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from app.config import Settings
from app.deps import DbSession, Services
from app.errors import Forbidden, TooManyRequests, Unauthorized
from app.users import service
from app.users.models import User
from app.users.service import Role

SESSION_COOKIE = "rehearse_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check_same_origin(request: Request) -> None:
    """Refuse a cookie-authenticated write whose Origin/Referer names another host.

    Browsers always send ``Origin`` on cross-origin posts, so a missing header means a
    non-browser client, which has no ambient cookie to abuse. Bearer tokens are never sent
    automatically by a browser, so they need no such check.
    """
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if claimed is None:
        return
    host = request.headers.get("host", "")
    if claimed == "null" or urlsplit(claimed).netloc != host:
        raise Forbidden("this request came from another site; reload the page and try again")


def optional_user(request: Request, db: DbSession) -> User | None:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return service.user_for_api_token(db, credentials.strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        if request.method not in SAFE_METHODS:
            check_same_origin(request)
        return service.user_for_session_token(db, cookie)
    return None


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise Unauthorized("log in, or send 'Authorization: Bearer <API token>'")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: Role) -> Callable[[User], User]:
    allowed = {role.value for role in roles}

    def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise Forbidden(f"this needs the role {' or '.join(sorted(allowed))}")
        return user

    return check


TrainerUser = Annotated[User, Depends(require_role(Role.TRAINER, Role.ADMIN))]
AdminUser = Annotated[User, Depends(require_role(Role.ADMIN))]


def log_in(
    request: Request, db: Session, services: Services, *, email: str, password: str
) -> tuple[User, str]:
    """Check the password under the login rate limit; the user and a new login-session token.

    Shared by the JSON login and the HTML form so both are limited per client address and per
    email in the same way. Raises TooManyRequests or Unauthorized.
    """
    limiter = services.login_limiter
    # The address is the socket's peer: X-Forwarded-For counts only when the server was told
    # to trust the proxy in front (settings.trust_forwarded_for), so a client cannot pick a
    # fresh address per guess. The email is normalised as it is for look-up.
    address = request.client.host if request.client else "?"
    keys = (f"ip:{address}", f"email:{service.email_key(email)}")
    wait = limiter.retry_after(*keys)
    if wait:
        raise TooManyRequests(f"too many failed logins; try again in {wait} seconds")
    user = service.authenticate(db, email=email, password=password) if email else None
    if user is None:
        limiter.record_failure(*keys)
        raise Unauthorized("wrong email or password")
    limiter.reset(*keys)
    return user, service.open_login_session(db, user=user, ttl=_login_ttl(services.settings))


def set_login_cookie(response: Response, token: str, settings: Settings) -> None:
    """httponly, SameSite=Lax (see check_same_origin), Secure when served over HTTPS."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(_login_ttl(settings).total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )


def _login_ttl(settings: Settings) -> timedelta:
    return timedelta(hours=settings.session_ttl_hours)
