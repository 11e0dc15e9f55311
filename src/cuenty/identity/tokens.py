"""Access tokens: JWTs signed with Ed25519 (EdDSA), published as a JWKS for local checks.

The newest active signing key signs; every unretired key stays in the JWKS so tokens signed
before a rotation still verify until they expire.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import jwt
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cuenty.config import Settings
from cuenty.identity.errors import InvalidTokenError
from cuenty.identity.models import SigningKey
from cuenty.kit import crypto
from cuenty.kit.clock import utc_now

ALGORITHM = "EdDSA"
KEY_PURPOSE = "jwt-signing-key"
# Unknown `kid`s trigger a reload, but not more often than this, so a flood of forged kids
# cannot turn every request into a database query or an HTTP fetch.
RELOAD_INTERVAL_SECONDS = 10.0
CACHE_TTL_SECONDS = 300.0
# Reading the keys from the local database is cheap, so a retired key stops verifying sooner.
DATABASE_CACHE_TTL_SECONDS = 30.0

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class AccessClaims:
    subject: uuid.UUID
    role: str
    scopes: frozenset[str]
    session_id: uuid.UUID
    expires_at: int


async def ensure_signing_key(session: AsyncSession, settings: Settings) -> SigningKey:
    """Return the newest active signing key, creating the first one when there is none."""
    key = await _newest_key(session)
    return key if key is not None else await rotate_signing_key(session, settings)


async def rotate_signing_key(session: AsyncSession, settings: Settings) -> SigningKey:
    """Add a new signing key; it signs from now on and older keys keep verifying."""
    private_key = Ed25519PrivateKey.generate()
    kid = secrets.token_hex(8)
    jwk = OKPAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    jwk.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
    raw = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    key = SigningKey(
        kid=kid,
        private_key=crypto.encrypt(settings.secret("encryption_key"), KEY_PURPOSE, raw),
        public_jwk=jwk,
        created_at=utc_now(),
    )
    session.add(key)
    await session.flush()
    log.info("auth.signing_key_created", kid=kid)
    return key


async def retire_signing_key(session: AsyncSession, kid: str) -> bool:
    """Retire a key; return False when no active key has that kid."""
    key = await session.get(SigningKey, kid)
    if key is None or key.retired_at is not None:
        return False
    key.retired_at = utc_now()
    return True


async def public_jwks(session: AsyncSession) -> dict[str, list[dict[str, Any]]]:
    rows = await session.scalars(
        select(SigningKey).where(SigningKey.retired_at.is_(None)).order_by(SigningKey.created_at)
    )
    return {"keys": [dict(row.public_jwk) for row in rows]}


def issue_access_token(
    key: SigningKey,
    settings: Settings,
    *,
    user_id: uuid.UUID,
    role: str,
    scopes: frozenset[str],
    session_id: uuid.UUID,
    now: datetime | None = None,
) -> tuple[str, int]:
    """Sign an access token; return it with its lifetime in seconds."""
    issued = int((now or utc_now()).timestamp())
    lifetime = settings.access_token_ttl_seconds
    claims = {
        "sub": str(user_id),
        "role": role,
        "scope": " ".join(sorted(scopes)),
        "sid": str(session_id),
        "iat": issued,
        "exp": issued + lifetime,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "jti": secrets.token_hex(8),
    }
    private_key = _private_key(key, settings)
    token = jwt.encode(claims, private_key, algorithm=ALGORITHM, headers={"kid": key.kid})
    return token, lifetime


def decode_access_token(
    token: str, public_keys: dict[str, Ed25519PublicKey], settings: Settings
) -> AccessClaims:
    """Verify signature, algorithm, kid, issuer, audience and expiry, or raise."""
    try:
        header = jwt.get_unverified_header(token)
        key = public_keys.get(str(header.get("kid")))
        if key is None:
            raise InvalidTokenError()
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iat", "sub", "sid", "iss", "aud"]},
        )
        return AccessClaims(
            subject=uuid.UUID(claims["sub"]),
            role=str(claims.get("role", "")),
            scopes=frozenset(str(claims.get("scope", "")).split()),
            session_id=uuid.UUID(claims["sid"]),
            expires_at=int(claims["exp"]),
        )
    except (jwt.PyJWTError, ValueError, KeyError) as error:
        raise InvalidTokenError() from error


KeyLoader = Callable[[], Awaitable[dict[str, Any]]]


class PublicKeyCache:
    """Public keys by kid, from the database (auth and single-process mode) or a JWKS URL."""

    def __init__(self, load_jwks: KeyLoader, *, ttl_seconds: float = CACHE_TTL_SECONDS) -> None:
        self._load_jwks = load_jwks
        self._ttl_seconds = ttl_seconds
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._loaded_at = 0.0

    async def keys_for(self, kid: str | None) -> dict[str, Ed25519PublicKey]:
        age = time.monotonic() - self._loaded_at
        stale = age > self._ttl_seconds
        unknown = kid is not None and kid not in self._keys and age > RELOAD_INTERVAL_SECONDS
        if stale or unknown or not self._loaded_at:
            await self.reload()
        return self._keys

    async def reload(self) -> None:
        jwks = await self._load_jwks()
        keys = {}
        for jwk in jwks.get("keys", []):
            if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and "kid" in jwk:
                keys[jwk["kid"]] = OKPAlgorithm.from_jwk(json.dumps(jwk))
        self._keys = keys
        self._loaded_at = time.monotonic()


def database_jwks_loader(factory: async_sessionmaker[AsyncSession]) -> KeyLoader:
    async def load() -> dict[str, Any]:
        async with factory() as session:
            return await public_jwks(session)

    return load


def url_jwks_loader(url: str, *, timeout_seconds: float = 5.0) -> KeyLoader:
    async def load() -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=timeout_seconds) as client:
            response = await client.get(url)
            response.raise_for_status()
            return dict(response.json())

    return load


def refresh_token_expiry(settings: Settings, now: datetime | None = None) -> datetime:
    return (now or utc_now()) + timedelta(days=settings.refresh_token_ttl_days)


async def _newest_key(session: AsyncSession) -> SigningKey | None:
    return await session.scalar(
        select(SigningKey)
        .where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc())
        .limit(1)
    )


def _private_key(key: SigningKey, settings: Settings) -> Ed25519PrivateKey:
    raw = crypto.decrypt(settings.secret("encryption_key"), KEY_PURPOSE, key.private_key)
    return Ed25519PrivateKey.from_private_bytes(raw)
