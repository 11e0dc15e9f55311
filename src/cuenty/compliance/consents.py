"""Consent records (LFPDPPP 2025, arts. 7-9): grants and revocations are appended, never
changed, and `allows` returns to other packages whether a secondary purpose may be processed.

    if await compliance.consents.allows(session, user_id, "marketing"):
        ...
"""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance import repository, trail
from cuenty.compliance.context import ComplianceContext
from cuenty.compliance.errors import (
    ExpressConsentRequiredError,
    PurposeNotInNoticeError,
    UnknownNoticeVersionError,
)
from cuenty.compliance.models import ConsentAction, ConsentLog
from cuenty.compliance.purposes import PURPOSES
from cuenty.kit import jobs

CONSENT_REVOKED_EVENT = "compliance.consent_revoked"


async def allows(session: AsyncSession, user_id: uuid.UUID, purpose: str) -> bool:
    """Return whether the user's data may be processed for `purpose` right now.

    False when the latest record for the purpose is missing or a revocation. False when the
    consent was given under a notice that did not list the purpose, because a new purpose
    needs new consent. False while an opposition that is not refused or withdrawn names the
    purpose, and while a cancellation blocks the user's data.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}; choose from {', '.join(PURPOSES)}")
    await session.flush()
    if await repository.user_is_blocked(session, user_id):
        return False
    latest = await repository.latest_consent(session, user_id, purpose)
    if latest is None or latest.action != ConsentAction.GRANTED.value:
        return False
    if not await _notice_lists_purpose(session, latest.notice_version, purpose):
        return False
    for opposition in await repository.active_oppositions(session, user_id):
        if purpose in (opposition.details or {}).get("dataTypes", []):
            return False
    return True


async def register(
    session: AsyncSession,
    ctx: ComplianceContext,
    *,
    user_id: uuid.UUID,
    purpose: str,
    consent_text: str,
    version: str,
    source: str,
    mode: str,
) -> ConsentLog:
    if PURPOSES[purpose].express_required and mode != "express":
        raise ExpressConsentRequiredError(params={"purpose": purpose})
    notices = await repository.notices_with_version(session, version)
    if not notices:
        raise UnknownNoticeVersionError(params={"version": version})
    if not any(purpose in notice.purposes for notice in notices):
        raise PurposeNotInNoticeError(params={"version": version, "purpose": purpose})
    entry = _entry(
        ctx,
        user_id,
        purpose,
        ConsentAction.GRANTED,
        mode=mode,
        source=source,
        notice_version=version,
        text_sha256=hashlib.sha256(consent_text.encode()).hexdigest(),
    )
    return await _append(session, ctx, entry)


async def revoke(
    session: AsyncSession, ctx: ComplianceContext, *, user_id: uuid.UUID, purpose: str, source: str
) -> ConsentLog:
    """Append a revocation and tell processors through an event, whatever the prior state."""
    entry = _entry(ctx, user_id, purpose, ConsentAction.REVOKED, mode="express", source=source)
    entry = await _append(session, ctx, entry)
    await jobs.publish(
        session,
        CONSENT_REVOKED_EVENT,
        {"userId": user_id, "purpose": purpose, "source": source},
    )
    return entry


async def current_state(session: AsyncSession, user_id: uuid.UUID) -> dict[str, bool]:
    return {purpose: await allows(session, user_id, purpose) for purpose in PURPOSES}


async def _notice_lists_purpose(session: AsyncSession, version: str | None, purpose: str) -> bool:
    if version is None:
        return False
    notices = await repository.notices_with_version(session, version)
    return any(purpose in notice.purposes for notice in notices)


def _entry(
    ctx: ComplianceContext,
    user_id: uuid.UUID,
    purpose: str,
    action: ConsentAction,
    *,
    mode: str,
    source: str,
    notice_version: str | None = None,
    text_sha256: str | None = None,
) -> ConsentLog:
    return ConsentLog(
        user_id=user_id,
        purpose=purpose,
        action=action.value,
        mode=mode,
        notice_version=notice_version,
        text_sha256=text_sha256,
        source=source,
        ip_address=ctx.actor.ip_address,
        user_agent=(ctx.actor.user_agent or "")[:300] or None,
        occurred_at=ctx.now,
    )


async def _append(session: AsyncSession, ctx: ComplianceContext, entry: ConsentLog) -> ConsentLog:
    session.add(entry)
    await session.flush()
    await trail.record(
        session,
        ctx.digest_key,
        f"consent.{entry.action}",
        actor=ctx.actor,
        resource_type="consent",
        resource_id=entry.id,
        subject_user_id=entry.user_id,
        new_values={"purpose": entry.purpose, "mode": entry.mode, "version": entry.notice_version},
        now=ctx.now,
    )
    return entry
