"""Sign-in sessions and their rotating refresh tokens.

A refresh token is used once: using it returns a new one. Presenting a used token again means
it leaked, so the whole session (the token family) is revoked.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.config import Settings
from cuenty.identity import audit
from cuenty.identity.access import ROLE_SCOPES, RevocationStore
from cuenty.identity.errors import AccountDisabledError, InvalidTokenError, RefreshTokenReusedError
from cuenty.identity.models import AuthSession, RefreshToken, User
from cuenty.identity.tokens import ensure_signing_key, issue_access_token, refresh_token_expiry
from cuenty.kit import crypto

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: uuid.UUID


@dataclass(frozen=True)
class ClientInfo:
    ip_address: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


async def start_session(
    session: AsyncSession, settings: Settings, user: User, client: ClientInfo, now: datetime
) -> TokenPair:
    if not user.is_active:
        raise AccountDisabledError()
    auth_session = AuthSession(
        user_id=user.id,
        created_at=now,
        last_used_at=now,
        expires_at=refresh_token_expiry(settings, now),
        user_agent=(client.user_agent or "")[:300] or None,
        ip_address=client.ip_address,
    )
    session.add(auth_session)
    await session.flush()
    return await _issue_pair(session, settings, user, auth_session, now)


async def refresh_session(
    session: AsyncSession,
    settings: Settings,
    revocations: RevocationStore,
    refresh_token: str,
    now: datetime,
) -> TokenPair:
    """Exchange a refresh token for a new pair, or revoke the session on reuse."""
    digest = crypto.keyed_digest(settings.secret("secret_key"), refresh_token)
    record = await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest))
    if record is None:
        raise InvalidTokenError()
    auth_session = await session.get(AuthSession, record.session_id)
    if auth_session is None or auth_session.revoked_at is not None:
        raise InvalidTokenError()

    claimed = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == record.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        await revoke_session(session, revocations, auth_session, "refresh_reuse", now, settings)
        await audit.record(session, "auth.refresh_reuse", subject_user_id=auth_session.user_id)
        raise RefreshTokenReusedError()
    if record.expires_at <= now or auth_session.expires_at <= now:
        raise InvalidTokenError()

    user = await session.get(User, auth_session.user_id)
    if user is None or not user.is_active:
        raise InvalidTokenError()
    auth_session.last_used_at = now
    return await _issue_pair(session, settings, user, auth_session, now)


async def revoke_session(
    session: AsyncSession,
    revocations: RevocationStore,
    auth_session: AuthSession,
    reason: str,
    now: datetime,
    settings: Settings,
) -> None:
    if auth_session.revoked_at is None:
        auth_session.revoked_at = now
        auth_session.revoked_reason = reason
    await revocations.revoke(auth_session.id, ttl_seconds=settings.access_token_ttl_seconds)
    log.info("auth.session_revoked", session_id=str(auth_session.id), reason=reason)


async def revoke_all_sessions(
    session: AsyncSession,
    revocations: RevocationStore,
    user_id: uuid.UUID,
    reason: str,
    now: datetime,
    settings: Settings,
) -> int:
    rows = (
        await session.scalars(
            select(AuthSession).where(
                AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
            )
        )
    ).all()
    for row in rows:
        await revoke_session(session, revocations, row, reason, now, settings)
    return len(rows)


async def list_sessions(
    session: AsyncSession, user_id: uuid.UUID, now: datetime
) -> list[AuthSession]:
    rows = await session.scalars(
        select(AuthSession)
        .where(
            AuthSession.user_id == user_id,
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > now,
        )
        .order_by(AuthSession.last_used_at.desc())
    )
    return list(rows.all())


async def get_own_session(
    session: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID
) -> AuthSession | None:
    """Return the session only when it belongs to the user, so another user's id reads as
    not found."""
    record = await session.get(AuthSession, session_id)
    return record if record is not None and record.user_id == user_id else None


async def _issue_pair(
    session: AsyncSession, settings: Settings, user: User, auth_session: AuthSession, now: datetime
) -> TokenPair:
    key = await ensure_signing_key(session, settings)
    access_token, expires_in = issue_access_token(
        key,
        settings,
        user_id=user.id,
        role=user.role,
        scopes=ROLE_SCOPES[user.role],
        session_id=auth_session.id,
        now=now,
    )
    refresh_token = "rt_" + secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            session_id=auth_session.id,
            token_hash=crypto.keyed_digest(settings.secret("secret_key"), refresh_token),
            created_at=now,
            expires_at=auth_session.expires_at,
        )
    )
    await session.flush()
    return TokenPair(access_token, refresh_token, expires_in, auth_session.id)
