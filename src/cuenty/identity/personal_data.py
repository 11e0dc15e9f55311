"""Identity's personal data for privacy requests: what an access export contains, how a
rectification changes a profile, and how suppression anonymises an account in place.

The user row stays (orders and fiscal records point to it) with every personal column
replaced; sessions, codes, API keys and development messages are deleted.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance.registry import personal_data
from cuenty.identity.models import (
    ApiKey,
    AuditEvent,
    AuthSession,
    BackupCode,
    DevOutboxMessage,
    LoginChallenge,
    OneTimeCode,
    User,
)
from cuenty.kit.clock import utc_now
from cuenty.kit.errors import ConflictError

SUPPRESSED_NAME = "Titular suprimido"
# ".invalid" is reserved (RFC 2606), so the placeholder can never receive mail; the unique
# email column and the email-or-phone check still hold.
SUPPRESSED_EMAIL_DOMAIN = "suprimido.invalid"


@personal_data("identity", rectifiable_fields=frozenset({"name", "email", "phone", "postalCode"}))
class IdentityData:
    async def export(self, session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
        user = await session.get(User, user_id)
        if user is None:
            return {}
        sessions = await session.scalars(
            select(AuthSession)
            .where(AuthSession.user_id == user_id)
            .order_by(AuthSession.created_at)
        )
        keys = await session.scalars(select(ApiKey).where(ApiKey.user_id == user_id))
        events = await session.scalars(
            select(AuditEvent)
            .where(or_(AuditEvent.subject_user_id == user_id, AuditEvent.actor_user_id == user_id))
            .order_by(AuditEvent.id)
        )
        return {
            "profile": _profile(user),
            "sessions": [_session(row) for row in sessions],
            "apiKeys": [_api_key(row) for row in keys],
            "securityEvents": [_event(row) for row in events],
        }

    async def block(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Keep the account usable: during the grace period the titular may sign in to follow
        or withdraw the request. Other packages stop processing through consent checks."""

    async def suppress(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        user = await session.get(User, user_id)
        if user is None:
            return
        contacts = [value for value in (user.email, user.phone) if value]
        for model in (AuthSession, OneTimeCode, BackupCode, LoginChallenge, ApiKey):
            await session.execute(delete(model).where(model.user_id == user_id))
        if contacts:
            await session.execute(
                delete(DevOutboxMessage).where(DevOutboxMessage.recipient.in_(contacts))
            )
        await session.execute(
            update(AuditEvent).where(AuditEvent.subject_user_id == user_id).values(ip_address=None)
        )
        _anonymise(user)
        await session.flush()

    async def rectify(
        self, session: AsyncSession, user_id: uuid.UUID, changes: dict[str, Any]
    ) -> dict[str, tuple[Any, Any]]:
        user = await session.get(User, user_id)
        if user is None:
            return {}
        columns = {"name": "name", "email": "email", "phone": "phone", "postalCode": "postal_code"}
        applied: dict[str, tuple[Any, Any]] = {}
        for field, value in changes.items():
            column = columns[field]
            if column in ("email", "phone") and value is not None:
                await _ensure_free(session, user_id, column, value)
            applied[field] = (getattr(user, column), value)
            setattr(user, column, value)
        await session.flush()
        return applied


def _anonymise(user: User) -> None:
    user.name = SUPPRESSED_NAME
    user.email = f"{user.id.hex}@{SUPPRESSED_EMAIL_DOMAIN}"
    user.phone = None
    user.password_hash = None
    user.postal_code = None
    user.pending_email = None
    user.pending_phone = None
    user.email_verified_at = None
    user.phone_verified_at = None
    user.totp_secret = None
    user.totp_last_step = None
    user.two_factor_enabled_at = None
    user.is_active = False
    user.disabled_at = user.disabled_at or utc_now()


async def _ensure_free(session: AsyncSession, user_id: uuid.UUID, column: str, value: str) -> None:
    other = await session.scalar(
        select(User.id).where(getattr(User, column) == value, User.id != user_id)
    )
    if other is not None:
        raise ConflictError()


def _profile(user: User) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "name": user.name,
        "email": user.email,
        "phone": user.phone,
        "postalCode": user.postal_code,
        "role": user.role,
        "locale": user.locale,
        "deliveryChannel": user.delivery_channel,
        "createdAt": user.created_at.isoformat(),
        "emailVerifiedAt": _iso(user.email_verified_at),
        "phoneVerifiedAt": _iso(user.phone_verified_at),
        "twoFactorEnabled": user.two_factor_enabled_at is not None,
    }


def _session(row: AuthSession) -> dict[str, Any]:
    return {
        "createdAt": row.created_at.isoformat(),
        "lastUsedAt": _iso(row.last_used_at),
        "ipAddress": row.ip_address,
        "userAgent": row.user_agent,
        "revokedAt": _iso(row.revoked_at),
    }


def _api_key(row: ApiKey) -> dict[str, Any]:
    return {
        "name": row.name,
        "prefix": row.prefix,
        "scopes": row.scopes,
        "createdAt": row.created_at.isoformat(),
        "revokedAt": _iso(row.revoked_at),
    }


def _event(row: AuditEvent) -> dict[str, Any]:
    return {
        "occurredAt": row.occurred_at.isoformat(),
        "action": row.action,
        "ipAddress": row.ip_address,
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
