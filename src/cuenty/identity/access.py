"""Access control: the Principal of a request (who calls), roles, API-key scopes,
and the `require_access` dependency every protected route declares.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any, Literal, get_args

from fastapi import Request
from sqlalchemy import select

from cuenty.identity.errors import InsufficientScopeError, InvalidTokenError
from cuenty.identity.models import AuthSession, Role
from cuenty.kit.errors import ForbiddenError, NotAuthenticatedError

Scope = Literal[
    "catalog:write",
    "inventory:read",
    "inventory:write",
    "inventory:reveal",
    "subscriptions:read",
    "subscriptions:write",
    "orders:read",
    "orders:write",
    "payments:read",
    "payments:write",
    "analytics:read",
    "analytics:write",
    "webhooks:read",
    "webhooks:write",
    "users:read",
    "compliance:read",
    "notifications:write",
]
SCOPES: tuple[str, ...] = get_args(Scope)
STAFF_ROLES = frozenset(
    {Role.SUPPORT.value, Role.OPERATIONS.value, Role.COMPLIANCE_OFFICER.value, Role.ADMIN.value}
)

# The maximum each role may do: an access token carries its role's scopes, and an API key may
# be granted only scopes its owner's role has.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    Role.CUSTOMER.value: frozenset(
        {
            "subscriptions:read",
            "subscriptions:write",
            "orders:read",
            "orders:write",
            "payments:read",
            "payments:write",
        }
    ),
    Role.SUPPORT.value: frozenset(
        {
            "subscriptions:read",
            "orders:read",
            "payments:read",
            "users:read",
            "inventory:read",
            "notifications:write",
        }
    ),
    Role.OPERATIONS.value: frozenset(set(SCOPES) - {"compliance:read"}),
    Role.COMPLIANCE_OFFICER.value: frozenset({"compliance:read", "users:read", "analytics:read"}),
    Role.ADMIN.value: frozenset(SCOPES),
}


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a user with an access token, or a user's API key."""

    user_id: uuid.UUID | None
    role: str
    scopes: frozenset[str]
    api_key_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_api_key(self) -> bool:
        return self.api_key_id is not None

    @property
    def key(self) -> str:
        """Stable name of the caller, for per-caller records such as idempotency keys."""
        if self.api_key_id is not None:
            return f"api_key:{self.api_key_id}"
        return f"user:{self.user_id}"

    def has_scope(self, scope: str) -> bool:
        return (self.is_admin and not self.is_api_key) or scope in self.scopes

    def can_act_for(self, user_id: uuid.UUID) -> bool:
        """Object-level rule: customers act only for themselves, staff for anyone."""
        return self.is_staff or self.user_id == user_id


class RevocationStore:
    """Revoked session ids, checked on every request because tokens verify locally.

    With Redis each revocation is a key that expires with the last token it could affect;
    without Redis the sessions table itself is read.
    """

    def __init__(self, redis: Any, session_factory: Any) -> None:
        self.redis = redis
        self.session_factory = session_factory

    async def revoke(self, session_id: uuid.UUID, *, ttl_seconds: int) -> None:
        if self.redis is not None:
            await self.redis.set(_revocation_key(session_id), b"1", ex=ttl_seconds)

    async def is_revoked(self, session_id: uuid.UUID) -> bool:
        if self.redis is not None:
            return bool(await self.redis.exists(_revocation_key(session_id)))
        async with self.session_factory() as session:
            revoked_at = await session.scalar(
                select(AuthSession.revoked_at).where(AuthSession.id == session_id)
            )
        return revoked_at is not None


def require_access(
    *, roles: Iterable[str] = (), scopes: Iterable[str] = ()
) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    """Dependency: the caller must be authenticated and allowed.

    A user token passes when its role is in `roles` (admins always pass), or, with no roles
    listed, when its role has every scope in `scopes`. An API key passes only when `scopes`
    is not empty, it has every one of them and, if `roles` is given, its owner's role is
    listed. A route that names no scope is closed to API keys.
    """
    allowed_roles = frozenset(roles)
    needed_scopes = frozenset(scopes)

    async def dependency(request: Request) -> Principal:
        principal = await authenticate(request)
        _authorize(principal, allowed_roles, needed_scopes)
        return principal

    return dependency


async def authenticate(request: Request) -> Principal:
    """Return the request's Principal, or raise 401 when it has no valid credentials."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    authenticator = request.app.state.authenticator
    principal = await authenticator.authenticate(request)
    if principal is None:
        raise NotAuthenticatedError(headers={"WWW-Authenticate": 'Bearer realm="cuenty"'})
    request.state.principal = principal
    return principal


def _authorize(principal: Principal, roles: frozenset[str], scopes: frozenset[str]) -> None:
    if principal.is_api_key:
        if not scopes:
            raise ForbiddenError()
        missing = scopes - principal.scopes
        if missing:
            raise InsufficientScopeError(params={"scopes": ", ".join(sorted(missing))})
        if roles and principal.role not in roles and not principal.is_admin:
            raise ForbiddenError()
        return
    if principal.is_admin:
        return
    if roles:
        if principal.role not in roles:
            raise ForbiddenError()
        return
    if not scopes <= ROLE_SCOPES.get(principal.role, frozenset()):
        raise ForbiddenError()


def _revocation_key(session_id: uuid.UUID) -> str:
    return f"cuenty:revoked-session:{session_id}"


__all__ = ["InvalidTokenError", "Principal", "RevocationStore", "authenticate", "require_access"]


async def optional_user(request: Request) -> Principal | None:
    """Dependency: the signed-in user if an access token was sent, None without credentials.

    Invalid credentials are 401 and an API key is 403: these routes act for a person.
    """
    cached = getattr(request.state, "principal", None)
    principal = cached if isinstance(cached, Principal) else None
    if principal is None:
        principal = await request.app.state.authenticator.authenticate(request)
    if principal is None:
        return None
    if principal.is_api_key:
        raise ForbiddenError()
    request.state.principal = principal
    return principal
