"""Login, the caller's own account, API tokens, and user administration."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from app.deps import DbSession, ServicesDep
from app.errors import InvalidInput
from app.users import service
from app.users.auth import (
    SESSION_COOKIE,
    AdminUser,
    CurrentUser,
    TrainerUser,
    check_same_origin,
    log_in,
    set_login_cookie,
)
from app.users.schemas import (
    LoginRequest,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    UserCreate,
    UserPublic,
)

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post("/auth/login")
def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    db: DbSession,
    services: ServicesDep,
) -> UserPublic:
    user, token = log_in(request, db, services, email=body.email, password=body.password)
    set_login_cookie(response, token, services.settings)
    return UserPublic.from_row(user)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, response: Response, db: DbSession) -> None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        check_same_origin(request)  # another site must not be able to log the user out
        service.close_login_session(db, cookie)
    response.delete_cookie(SESSION_COOKIE)


@router.get("/me")
def me(user: CurrentUser) -> UserPublic:
    return UserPublic.from_row(user)


@router.get("/me/tokens")
def list_tokens(user: CurrentUser, db: DbSession) -> list[TokenPublic]:
    return [TokenPublic.from_row(row) for row in service.list_api_tokens(db, user=user)]


@router.post("/me/tokens", status_code=status.HTTP_201_CREATED)
def create_token(body: TokenCreate, user: CurrentUser, db: DbSession) -> TokenCreated:
    row, token = service.create_api_token(db, user=user, name=body.name)
    return TokenCreated(**TokenPublic.from_row(row).model_dump(), token=token)


@router.delete("/me/tokens/{token_id}")
def revoke_token(token_id: int, user: CurrentUser, db: DbSession) -> TokenPublic:
    return TokenPublic.from_row(service.revoke_api_token(db, user=user, token_id=token_id))


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, _admin: AdminUser, db: DbSession) -> UserPublic:
    user = service.create_user(
        db, email=body.email, display_name=body.display_name, password=body.password, role=body.role
    )
    return UserPublic.from_row(user)


@router.get("/users")
def list_users(caller: TrainerUser, db: DbSession, email: str | None = None) -> list[UserPublic]:
    """Admins list everyone; trainers may look a learner up by exact email to add to a cohort."""
    if caller.role != "admin" and not email:
        raise InvalidInput("email: trainers look users up by exact email")
    if email:
        found = service.find_by_email(db, email)
        return [UserPublic.from_row(found)] if found else []
    return [UserPublic.from_row(u) for u in service.list_users(db)]
