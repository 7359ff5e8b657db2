"""The learner's own account: "my data" (export as JSON, delete with confirmation) and API tokens.

Both pages call the JSON API's own handlers and services, so a browser gets exactly what
``GET /api/v1/me/export``, ``DELETE /api/v1/me`` and ``/api/v1/me/tokens`` give an API client.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.account import service as account_service
from app.deps import DbSession
from app.errors import RehearseError
from app.practice import service as practice_service
from app.users import router as users_api
from app.users import service as user_service
from app.users.auth import SESSION_COOKIE
from app.users.models import User
from app.users.schemas import TokenCreate
from app.web.routing import PageRoute
from app.web.security import FormUser, PageUser
from app.web.templating import render

router = APIRouter(prefix="/account", route_class=PageRoute, include_in_schema=False)

CONFIRM_PHRASE = account_service.DELETE_PHRASE
NOTICES = {"token-revoked": "Token revoked: it no longer works."}


@router.get("")
def account(_user: PageUser) -> RedirectResponse:
    return RedirectResponse("/account/data", status_code=303)


@router.get("/data")
def data_page(request: Request, user: PageUser, db: DbSession) -> HTMLResponse:
    return _render_data(request, db, user)


def _render_data(
    request: Request, db: Session, user: User, *, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    sessions = practice_service.list_sessions(db, user_id=user.id, limit=100_000)
    return render(
        request,
        "account/data.html",
        user=user,
        status_code=status_code,
        session_count=len(sessions),
        scored_count=sum(1 for s in sessions if s.status == "ended"),
        token_count=len(user_service.list_api_tokens(db, user=user)),
        confirm_phrase=CONFIRM_PHRASE,
        error=error,
    )


@router.get("/data/export")
def export(user: PageUser, db: DbSession) -> Response:
    """The same document as ``GET /api/v1/me/export``, as a file download."""
    document = account_service.export_account(db, user)
    return Response(
        json.dumps(document, indent=2, default=str),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="rehearse-my-data.json"'},
    )


@router.post("/data/delete")
def delete(
    request: Request, user: FormUser, db: DbSession, confirm: Annotated[str, Form()] = ""
) -> Response:
    """``DELETE /api/v1/me`` behind a typed confirmation; then the login cookie goes too."""
    try:
        account_service.delete_account(db, user, confirm=confirm.strip()[:40])
    except RehearseError as exc:
        db.rollback()
        return _render_data(request, db, user, error=exc.message, status_code=exc.status_code)
    response = render(request, "account/deleted.html", user=None)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/tokens")
def tokens_page(
    request: Request, user: PageUser, db: DbSession, notice: str | None = None
) -> HTMLResponse:
    return _render_tokens(request, db, user, notice=NOTICES.get(notice or ""))


def _render_tokens(
    request: Request,
    db: Session,
    user: User,
    *,
    created: str | None = None,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "account/tokens.html",
        user=user,
        status_code=status_code,
        tokens=users_api.list_tokens(user, db),
        created=created,
        notice=notice,
        error=error,
    )


@router.post("/tokens")
def create_token(
    request: Request, user: FormUser, db: DbSession, name: Annotated[str, Form()] = ""
) -> HTMLResponse:
    """Creates the token and shows it once, on this response only (it is never stored)."""
    name = name.strip()
    try:
        body = TokenCreate(name=name)
    except ValueError:
        return _render_tokens(
            request, db, user, error="Name the token (1 to 80 characters).", status_code=422
        )
    created = users_api.create_token(body, user, db)
    return _render_tokens(request, db, user, created=created.token)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(token_id: int, user: FormUser, db: DbSession) -> RedirectResponse:
    users_api.revoke_token(token_id, user, db)
    return RedirectResponse("/account/tokens?notice=token-revoked", status_code=303)
