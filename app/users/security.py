"""Password hashing and secret tokens.

argon2id through argon2-cffi for passwords; for tokens, a random value shown to the user once
and only its SHA-256 stored, because tokens are long and random (no need for a slow hash).
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# A hash of a random password, verified when the email is unknown so that a wrong email and a
# wrong password take the same time (no user enumeration by timing).
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def use_hash_cost(*, time_cost: int, memory_kib: int) -> None:
    """Hash new passwords with these argon2id costs (settings.argon2_*; set once at start-up).

    Existing hashes keep verifying: each carries its own parameters. The dummy hash is remade
    so an unknown email still costs what a known one does.
    """
    global _hasher, _DUMMY_HASH
    if (_hasher.time_cost, _hasher.memory_cost) == (time_cost, memory_kib):
        return
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
    _DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token(kind: str) -> str:
    """A secret with a readable prefix (``rh_api_…``), so a leaked one is easy to recognise."""
    return f"rh_{kind}_{secrets.token_urlsafe(32)}"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
