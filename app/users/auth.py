"""Who is calling: a bearer API token, or the web UI's session cookie."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from app.deps import DbSession
from app.errors import Forbidden, Unauthorized
from app.users import service
from app.users.models import User
from app.users.service import Role

SESSION_COOKIE = "rehearse_session"


def optional_user(request: Request, db: DbSession) -> User | None:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return service.user_for_api_token(db, credentials.strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
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
