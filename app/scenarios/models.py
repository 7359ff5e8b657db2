"""Scenario versions as stored rows.

A row is one immutable version of a scenario: editing a scenario adds a row with the next
version, so a practice session keeps pointing at exactly the content it was practised on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, JSONDict, utcnow


class ScenarioVersion(Base):
    __tablename__ = "scenarios"
    __table_args__ = (UniqueConstraint("slug", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int]
    source: Mapped[str] = mapped_column(String(16))  # "builtin" or "custom"
    content: Mapped[JSONDict]
    content_hash: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    is_current: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
