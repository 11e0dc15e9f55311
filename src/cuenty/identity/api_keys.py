"""API keys: `cty_<environment>_<random><checksum>`, shown once, stored as HMAC-SHA256.

The checksum (CRC32 of the random part) lets a typo or a made-up key be rejected without a
database query, and lets secret scanners recognise a real key.
"""

from __future__ import annotations

import secrets
import string
import uuid
import zlib
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.identity.access import ROLE_SCOPES, SCOPES, Principal
from cuenty.identity.errors import ResourceNotFoundError, ScopeNotAllowedError
from cuenty.identity.models import ApiKey, User
from cuenty.kit import crypto, jobs

ALPHABET = string.ascii_letters + string.digits
RANDOM_LENGTH = 32
CHECKSUM_LENGTH = 6
VISIBLE_PREFIX_LENGTH = 12
LAST_USED_RESOLUTION = timedelta(minutes=1)


def generate_key(environment: str) -> str:
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"cty_{environment}_{random_part}{_checksum(random_part)}"


def has_valid_format(key: str) -> bool:
    parts = key.split("_")
    if len(parts) != 3 or parts[0] != "cty" or parts[1] not in ("live", "test"):
        return False
    body = parts[2]
    if len(body) != RANDOM_LENGTH + CHECKSUM_LENGTH or any(c not in ALPHABET for c in body):
        return False
    return secrets.compare_digest(_checksum(body[:RANDOM_LENGTH]), body[RANDOM_LENGTH:])


async def create_key(
    session: AsyncSession,
    owner: User,
    *,
    name: str,
    scopes: list[str],
    expires_at: datetime | None,
    environment: str,
    hmac_secret: str,
    now: datetime,
) -> tuple[ApiKey, str]:
    """Create a key for `owner`; return the row and the clear key, which is never stored."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ScopeNotAllowedError(params={"scopes": ", ".join(unknown)})
    beyond_role = sorted(set(scopes) - ROLE_SCOPES[owner.role])
    if beyond_role:
        raise ScopeNotAllowedError(params={"scopes": ", ".join(beyond_role)})

    clear = generate_key(environment)
    key = ApiKey(
        user_id=owner.id,
        name=name,
        prefix=clear[:VISIBLE_PREFIX_LENGTH],
        key_hash=crypto.keyed_digest(hmac_secret, clear),
        scopes=sorted(set(scopes)),
        created_at=now,
        expires_at=expires_at,
    )
    session.add(key)
    await session.flush()
    await jobs.publish(
        session,
        "security.api_key_created",
        {"userId": str(owner.id), "keyId": str(key.id), "prefix": key.prefix},
    )
    return key, clear


async def find_active_key(
    session: AsyncSession, clear: str, *, hmac_secret: str, now: datetime
) -> tuple[ApiKey, User] | None:
    if not has_valid_format(clear):
        return None
    digest = crypto.keyed_digest(hmac_secret, clear)
    row = (
        await session.execute(
            select(ApiKey, User)
            .join(User, User.id == ApiKey.user_id)
            .where(ApiKey.key_hash == digest)
        )
    ).first()
    if row is None:
        return None
    key, owner = row
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        return None
    if not owner.is_active:
        return None
    return key, owner


async def touch_last_used(session: AsyncSession, key: ApiKey, now: datetime) -> bool:
    """Record use at most once a minute per key, so busy keys cost no write per request."""
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return False
    await session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
    return True


async def list_keys(session: AsyncSession, owner_id: uuid.UUID) -> list[ApiKey]:
    rows = await session.scalars(
        select(ApiKey)
        .where(ApiKey.user_id == owner_id, ApiKey.revoked_at.is_(None))
        .order_by(ApiKey.created_at.desc())
    )
    return list(rows.all())


async def revoke_key(
    session: AsyncSession, principal: Principal, key_id: uuid.UUID, now: datetime
) -> ApiKey:
    """Revoke a key the caller owns (admins: any key); anything else reads as not found."""
    key = await session.get(ApiKey, key_id)
    if key is None or key.revoked_at is not None:
        raise ResourceNotFoundError()
    if key.user_id != principal.user_id and not principal.is_admin:
        raise ResourceNotFoundError()
    key.revoked_at = now
    return key


async def revoke_all_keys(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(ApiKey)
        .where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def _checksum(random_part: str) -> str:
    value = zlib.crc32(random_part.encode())
    digits = []
    for _ in range(CHECKSUM_LENGTH):
        value, remainder = divmod(value, len(ALPHABET))
        digits.append(ALPHABET[remainder])
    return "".join(digits)
