"""Accounts, login sessions and API tokens as keyword-only service functions."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.orm import Session

from app.db import as_utc, utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.users import security
from app.users.models import ApiToken, LoginSession, User

log = logging.getLogger(__name__)

TOKEN_USE_RESOLUTION = timedelta(minutes=1)
DISPLAY_NAME_MAX = 120


class Role(StrEnum):
    LEARNER = "learner"
    TRAINER = "trainer"
    ADMIN = "admin"


def create_user(
    db: Session, *, email: str, display_name: str, password: str, role: Role = Role.LEARNER
) -> User:
    email = normalise_email(email)
    if len(password) < security.MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password: must be at least {security.MIN_PASSWORD_LENGTH} characters long"
        )
    # The column holds 120 characters: PostgreSQL refuses longer values (SQLite kept them), so
    # a long email standing in for a missing name is cut, and a long given name is an error.
    name = display_name.strip() or email[:DISPLAY_NAME_MAX]
    if len(name) > DISPLAY_NAME_MAX:
        raise InvalidInput(f"display_name: at most {DISPLAY_NAME_MAX} characters")
    user = User(
        email=email,
        display_name=name,
        role=role.value,
        password_hash=security.hash_password(password),
    )
    db.add(user)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise Conflict(f"a user with email '{email}' already exists") from None
    return user


def normalise_email(email: str) -> str:
    email = email_key(email)
    if "@" not in email or len(email) > 254:
        raise InvalidInput("email: not a valid email address")
    return email


def email_key(email: str) -> str:
    """The one spelling of an address: no whitespace anywhere, lower case.

    Used for storage, look-up and the login limiter alike, so "Ana@x.org", " ana@x.org" and
    "ana@x.org\t" are one account and one failure count.
    """
    return "".join(email.split()).lower()


def count_admins(db: Session) -> int:
    return db.scalar(select(func.count(User.id)).where(User.role == Role.ADMIN.value)) or 0


def count_users(db: Session) -> int:
    return db.scalar(select(func.count(User.id))) or 0


def get_user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def find_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == email_key(email)))


def authenticate(db: Session, *, email: str, password: str) -> User | None:
    user = find_by_email(db, email)
    ok = security.verify_password(user.password_hash if user else None, password)
    return user if ok else None


def open_login_session(db: Session, *, user: User, ttl: timedelta) -> str:
    token = security.new_token("session")
    db.add(
        LoginSession(user_id=user.id, token_hash=security.digest(token), expires_at=utcnow() + ttl)
    )
    db.flush()
    return token


def close_login_session(db: Session, token: str) -> None:
    db.execute(delete(LoginSession).where(LoginSession.token_hash == security.digest(token)))


def user_for_session_token(db: Session, token: str) -> User | None:
    row = db.scalar(select(LoginSession).where(LoginSession.token_hash == security.digest(token)))
    if row is None or as_utc(row.expires_at) < utcnow():
        return None
    return db.get(User, row.user_id)


def create_api_token(db: Session, *, user: User, name: str) -> tuple[ApiToken, str]:
    token = security.new_token("api")
    row = ApiToken(user_id=user.id, name=name, token_hash=security.digest(token), prefix=token[:12])
    db.add(row)
    db.flush()
    return row, token


def list_api_tokens(db: Session, *, user: User) -> list[ApiToken]:
    return list(
        db.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )


def revoke_api_token(db: Session, *, user: User, token_id: int) -> ApiToken:
    row = db.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"no API token {token_id}")
    row.revoked_at = row.revoked_at or utcnow()
    return row


def user_for_api_token(db: Session, token: str) -> User | None:
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == security.digest(token)))
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - as_utc(row.last_used_at) > TOKEN_USE_RESOLUTION:
        _record_token_use(db, row.id, now)
    return db.get(User, row.user_id)


def _record_token_use(db: Session, token_id: int, now: datetime) -> None:
    """Note the use on a connection of its own, committed at once, best effort.

    Inside the request's transaction this write held SQLite's write lock for the whole
    request, so fifty requests on fresh tokens queued behind each other until "database is
    locked". Losing a last-used time under load is harmless; failing the request is not.
    """
    try:
        bind = db.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        with engine.connect() as connection:
            connection.execute(
                update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
            )
            connection.commit()
    except (OperationalError, SATimeoutError):
        log.info("skipped recording the use of API token %s: database busy", token_id)


def bootstrap_admin(db: Session) -> tuple[User, str, str] | None:
    """On an empty database, create a local admin; returns (user, password, api token) once."""
    if count_users(db) > 0:
        return None
    password = secrets.token_urlsafe(12)
    user = create_user(
        db, email="admin@localhost", display_name="Local admin", password=password, role=Role.ADMIN
    )
    _, token = create_api_token(db, user=user, name="bootstrap")
    return user, password, token


def list_users(db: Session) -> list[User]:
    return list(db.scalars(select(User).order_by(User.id)))
