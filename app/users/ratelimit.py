"""Login attempt limiting: a sliding window of failures per client address and per account.

The failures live in the database, so several workers (or machines) share one count. Each
call uses a short transaction of its own: a failure must be recorded even though the login
request itself ends in an error (and its transaction is rolled back).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.db import as_utc, session_scope, utcnow
from app.users.models import LoginFailure


class LoginLimiter:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        max_failures: int = 5,
        window_s: float = 300.0,
    ) -> None:
        self.session_factory = session_factory
        self.max_failures = max_failures
        self.window = timedelta(seconds=window_s)

    def retry_after(self, *keys: str) -> int:
        """Seconds until another attempt is allowed for any of ``keys``; 0 = allowed now."""
        now = utcnow()
        wait = 0.0
        with session_scope(self.session_factory) as db:
            for key in keys:
                count, oldest = db.execute(
                    select(func.count(LoginFailure.id), func.min(LoginFailure.failed_at)).where(
                        LoginFailure.key == key, LoginFailure.failed_at > now - self.window
                    )
                ).one()
                if count >= self.max_failures and oldest is not None:
                    left = (as_utc(oldest) + self.window - now).total_seconds()
                    wait = max(wait, left)
        return int(wait) + 1 if wait > 0 else 0

    def record_failure(self, *keys: str) -> None:
        now = utcnow()
        with session_scope(self.session_factory) as db:
            db.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - self.window))
            db.add_all(LoginFailure(key=key, failed_at=now) for key in keys)

    def reset(self, *keys: str) -> None:
        with session_scope(self.session_factory) as db:
            db.execute(delete(LoginFailure).where(LoginFailure.key.in_(keys)))
