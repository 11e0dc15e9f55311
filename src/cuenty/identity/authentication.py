"""Turning a request's credentials into a Principal: `Authorization: Bearer <jwt>` or
`X-API-Key: <key>`.

Tokens verify locally against cached public keys, then the session id is checked against
the revocation store, so a logout takes effect before the token expires.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import jwt
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection
from starlette.types import Scope

from cuenty.config import Settings
from cuenty.identity import api_keys
from cuenty.identity.access import ROLE_SCOPES, Principal, RevocationStore
from cuenty.identity.errors import InvalidApiKeyError, InvalidTokenError
from cuenty.identity.tokens import AccessClaims, PublicKeyCache, decode_access_token
from cuenty.kit.clock import utc_now
from cuenty.kit.net import client_ip
from cuenty.kit.ratelimit import Bucket, parse_limit

API_KEY_HEADER = "x-api-key"

log = structlog.get_logger(__name__)


class Authenticator:
    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        keys: PublicKeyCache,
        revocations: RevocationStore,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.keys = keys
        self.revocations = revocations

    async def authenticate(self, connection: HTTPConnection) -> Principal | None:
        """Return the caller, None without credentials, or raise on invalid ones."""
        api_key = connection.headers.get(API_KEY_HEADER)
        if api_key:
            return await self._from_api_key(api_key.strip())
        token = bearer_token(connection)
        if token is None:
            return None
        return principal_from_claims(await self.verify_token(token))

    async def verify_token(self, token: str) -> AccessClaims:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as error:
            raise InvalidTokenError() from error
        keys = await self.keys.keys_for(str(kid) if kid else None)
        claims = decode_access_token(token, keys, self.settings)
        if await self.revocations.is_revoked(claims.session_id):
            raise InvalidTokenError()
        return claims

    async def _from_api_key(self, clear: str) -> Principal:
        now = utc_now()
        async with self.session_factory() as session:
            found = await api_keys.find_active_key(
                session, clear, hmac_secret=self.settings.secret("api_key_hmac_secret"), now=now
            )
            if found is None:
                raise InvalidApiKeyError()
            key, owner = found
            if await api_keys.touch_last_used(session, key, now):
                await session.commit()
        # A key never does more than its owner's current role allows, even after a demotion.
        return Principal(
            user_id=owner.id,
            role=owner.role,
            scopes=frozenset(key.scopes) & ROLE_SCOPES.get(owner.role, frozenset()),
            api_key_id=key.id,
        )


def principal_from_claims(claims: AccessClaims) -> Principal:
    return Principal(
        user_id=claims.subject,
        role=claims.role,
        scopes=claims.scopes,
        session_id=claims.session_id,
    )


def bearer_token(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


# Deposit notifications are authenticated by signature or address, and have their own bucket.
BANK_NOTIFICATIONS_PREFIX = "/v1/payments/webhooks/"


def rate_limit_resolver(state: Any) -> Callable[[Scope], Awaitable[Bucket | None]]:
    """Build the bucket resolver of the rate-limit middleware.

    An API key has its own bucket, a verified user theirs, anyone else is counted by client
    address. An invalid token is counted by address, so forged tokens cannot mint buckets.
    """
    settings: Settings = state.settings
    per_key = parse_limit(settings.rate_limit_per_api_key)
    per_user = parse_limit(settings.rate_limit_per_user)
    per_ip = parse_limit(settings.rate_limit_per_ip)
    per_bank = parse_limit(settings.rate_limit_bank_notifications)

    async def resolve(scope: Scope) -> Bucket | None:
        connection = HTTPConnection(scope)
        address = client_ip(connection, settings.trusted_proxies)
        if scope.get("path", "").startswith(BANK_NOTIFICATIONS_PREFIX):
            return Bucket(f"bank:{address}", per_bank)
        if connection.headers.get(API_KEY_HEADER):
            # Only a key that exists gets the key's larger bucket; made-up keys count
            # against the caller's address like anonymous traffic.
            try:
                principal = await state.authenticator.authenticate(connection)
            except InvalidTokenError:
                return Bucket(f"ip:{address}", per_ip)
            assert principal is not None
            scope.setdefault("state", {})["principal"] = principal
            return Bucket(f"key:{principal.api_key_id}", per_key)
        token = bearer_token(connection)
        if token is not None:
            try:
                claims = await state.authenticator.verify_token(token)
            except InvalidTokenError:
                pass
            else:
                # Kept for the route's own access check, so the token is verified once.
                scope.setdefault("state", {})["principal"] = principal_from_claims(claims)
                return Bucket(f"user:{claims.subject}", per_user)
        return Bucket(f"ip:{address}", per_ip)

    return resolve
