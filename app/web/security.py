"""Who is looking at a page, and whether a form post really came from one of our pages.

CSRF protection, in three layers:

1. The login cookie is ``SameSite=Lax`` (set by the same code path as the JSON login), so
   browsers do not attach it to cross-site POSTs at all.
2. Every state-changing form carries a token bound to the login session: an HMAC of the
   session cookie. It needs no server-side storage, changes with every login, and a page on
   another site cannot read it (the cookie is httponly, the token only appears in our HTML).
3. Every form post (login included, which has no session yet) is refused when its ``Origin``
   (or, failing that, ``Referer``) names another host. Browsers always send ``Origin`` on
   cross-origin form posts, so a missing header means a non-browser client, which has no
   ambient cookie to abuse.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, Request

from app.errors import Forbidden
from app.users.auth import SESSION_COOKIE, check_same_origin, optional_user
from app.users.models import User
from app.users.service import Role

CSRF_FIELD = "csrf_token"
_CSRF_CONTEXT = b"rehearse-web-csrf-v1"


class LoginRequired(Exception):
    """Raised by page dependencies; the page layer answers with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def csrf_token_for(request: Request) -> str:
    """The form token for this browser's login session ('' when not logged in)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return ""
    return hmac.new(cookie.encode(), _CSRF_CONTEXT, hashlib.sha256).hexdigest()


def safe_next_path(candidate: str | None, default: str = "/home") -> str:
    """Only local absolute paths: a login link must never bounce the user to another site."""
    if not candidate or not candidate.startswith("/") or candidate.startswith("//"):
        return default
    if "\\" in candidate or any(ord(ch) < 32 for ch in candidate):
        return default
    return candidate


def login_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(here, safe='')}"


def page_user(request: Request, user: Annotated[User | None, Depends(optional_user)]) -> User:
    """The logged-in user; anyone else is sent to the login page and back here afterwards."""
    if user is None:
        raise LoginRequired(login_url(request))
    return user


PageUser = Annotated[User, Depends(page_user)]


def page_trainer(user: PageUser) -> User:
    if user.role not in (Role.TRAINER.value, Role.ADMIN.value):
        raise Forbidden("this page is for trainers")
    return user


TrainerPageUser = Annotated[User, Depends(page_trainer)]


def form_user(
    request: Request,
    user: PageUser,
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> User:
    """The logged-in user of a state-changing form post, after the CSRF checks."""
    check_same_origin(request)
    expected = csrf_token_for(request)
    if not expected or not hmac.compare_digest(csrf_token.encode(), expected.encode()):
        raise Forbidden("the form expired or did not come from this site; reload and try again")
    return user


FormUser = Annotated[User, Depends(form_user)]


def form_trainer(user: FormUser) -> User:
    if user.role not in (Role.TRAINER.value, Role.ADMIN.value):
        raise Forbidden("this page is for trainers")
    return user


FormTrainer = Annotated[User, Depends(form_trainer)]
