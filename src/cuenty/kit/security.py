"""Password hashing: Argon2id for new hashes, bcrypt accepted from the earlier Node.js system.

A bcrypt hash that verifies is replaced by an Argon2id one (`verify_and_update`).
"""

from __future__ import annotations

from anyio import to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher

# bcrypt 5 raises on inputs over 72 bytes instead of truncating them; capping every password
# keeps the two hashers interchangeable.
MAX_PASSWORD_BYTES = 72

_hasher = PasswordHash((Argon2Hasher(), BcryptHasher()))


class PasswordTooLongError(ValueError):
    """Raised for a password over MAX_PASSWORD_BYTES bytes in UTF-8."""


def hash_password(password: str) -> str:
    _check_length(password)
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """Check a password; return whether it matches and, if the hash is outdated, a new one."""
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        return False, None
    return _hasher.verify_and_update(password, password_hash)


async def hash_password_off_loop(password: str) -> str:
    """`hash_password` in a worker thread: an Argon2id hash takes a sizeable fraction of a
    second of CPU, which would otherwise stop every other request of the process."""
    return await to_thread.run_sync(hash_password, password)


async def verify_password_off_loop(password: str, password_hash: str) -> tuple[bool, str | None]:
    """`verify_password` in a worker thread, for the same reason."""
    return await to_thread.run_sync(verify_password, password, password_hash)


def _check_length(password: str) -> None:
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise PasswordTooLongError(f"passwords are limited to {MAX_PASSWORD_BYTES} bytes")
