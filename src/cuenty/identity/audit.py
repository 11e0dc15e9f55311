"""Security audit log: one row per sign-in, lockout, 2FA change, key or role change.

Rows name ids and actions, never secrets; the log line written beside each row is redacted.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.identity.models import AuditEvent
from cuenty.kit.clock import utc_now

log = structlog.get_logger("cuenty.audit")


async def record(
    session: AsyncSession,
    action: str,
    *,
    actor_user_id: uuid.UUID | None = None,
    actor_api_key_id: uuid.UUID | None = None,
    subject_user_id: uuid.UUID | None = None,
    ip_address: str | None = None,
    request_id: str | None = None,
    **details: Any,
) -> None:
    session.add(
        AuditEvent(
            occurred_at=utc_now(),
            action=action,
            actor_user_id=actor_user_id,
            actor_api_key_id=actor_api_key_id,
            subject_user_id=subject_user_id,
            ip_address=ip_address,
            request_id=request_id,
            details=details,
        )
    )
    log.info(
        action,
        actor_user_id=str(actor_user_id) if actor_user_id else None,
        subject_user_id=str(subject_user_id) if subject_user_id else None,
        **details,
    )
