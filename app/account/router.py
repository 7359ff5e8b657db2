"""The caller's data: export it, or delete the account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from app.account import service
from app.deps import DbSession
from app.users.auth import CurrentUser
from app.users.schemas import DeleteConfirmation

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.get("/me/export")
def export_my_data(user: CurrentUser, db: DbSession) -> dict[str, Any]:
    """Everything Rehearse holds about the caller, as one JSON document."""
    return service.export_account(db, user)


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
def delete_me(body: DeleteConfirmation, user: CurrentUser, db: DbSession) -> None:
    """Delete the account with every session, turn and scorecard (rows, not flags)."""
    service.delete_account(db, user, confirm=body.confirm)
