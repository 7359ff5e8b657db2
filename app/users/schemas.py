"""API shapes for accounts and tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from app.users.models import ApiToken, User
from app.users.security import MIN_PASSWORD_LENGTH
from app.users.service import Role


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class UserCreate(BaseModel):
    # Unknown fields are refused rather than dropped: a misspelt field used to vanish silently.
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    email: str = Field(min_length=3, max_length=254)
    display_name: str = Field(
        default="",
        max_length=120,
        validation_alias=AliasChoices("display_name", "name"),
        description="Shown in the UI; `name` is accepted too. Empty = the email.",
    )
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)
    role: Role = Role.LEARNER


class UserPublic(BaseModel):
    id: int
    email: str
    display_name: str
    role: str

    @classmethod
    def from_row(cls, user: User) -> UserPublic:
        return cls(id=user.id, email=user.email, display_name=user.display_name, role=user.role)


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=80)


class TokenPublic(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool

    @classmethod
    def from_row(cls, row: ApiToken) -> TokenPublic:
        return cls(
            id=row.id,
            name=row.name,
            prefix=row.prefix,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked=row.revoked_at is not None,
        )


class TokenCreated(TokenPublic):
    token: str = Field(description="Shown once; only its hash is stored.")


class DeleteConfirmation(BaseModel):
    confirm: str = Field(max_length=40, description="Type 'delete my data' to confirm.")
