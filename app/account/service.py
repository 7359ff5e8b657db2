"""Export and deletion of one person's data.

An account's data spans the users and practice domains, so this sits above both: the users
domain knows nothing of practice sessions, and practice knows users only as owners.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.errors import Conflict, InvalidInput
from app.practice import service as practice_service
from app.users import service as user_service
from app.users.models import User
from app.users.schemas import UserPublic

DELETE_PHRASE = "delete my data"


def export_account(db: Session, user: User) -> dict[str, Any]:
    """Everything Rehearse holds about ``user``, as one JSON-ready document."""
    return {
        "user": UserPublic.from_row(user).model_dump(),
        "sessions": practice_service.export_sessions(db, user_id=user.id),
    }


def delete_account(db: Session, user: User, *, confirm: str) -> None:
    """Delete the account with every session, turn and scorecard (rows, not flags)."""
    if confirm != DELETE_PHRASE:
        raise InvalidInput(f"confirm: type '{DELETE_PHRASE}' to confirm")
    if user.role == "admin" and user_service.count_admins(db) <= 1:
        raise Conflict("you are the last admin: make another admin before deleting this account")
    practice_service.delete_sessions(db, user_id=user.id)
    db.delete(user)
