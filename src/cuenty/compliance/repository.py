"""Every query of the compliance package."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance.models import (
    FINAL_STATES,
    AuditTrail,
    ConsentAction,
    ConsentLog,
    DataBlock,
    DataRequest,
    PrivacyNotice,
    RequestType,
    SecurityIncident,
)


async def get_request(session: AsyncSession, request_id: uuid.UUID) -> DataRequest | None:
    return await session.get(DataRequest, request_id)


async def count_requests_in_year(session: AsyncSession, year: int) -> int:
    pattern = f"ARCO-{year}-%"
    count = await session.scalar(
        select(func.count()).select_from(DataRequest).where(DataRequest.folio.like(pattern))
    )
    return int(count or 0)


def requests_query(
    *,
    state: str | None = None,
    request_type: str | None = None,
    user_id: uuid.UUID | None = None,
    assigned_to: uuid.UUID | None = None,
    due_on_or_before: date | None = None,
    open_only: bool = False,
) -> Select[tuple[DataRequest]]:
    statement = select(DataRequest)
    if state:
        statement = statement.where(DataRequest.state == state)
    if request_type:
        statement = statement.where(DataRequest.request_type == request_type)
    if user_id:
        statement = statement.where(DataRequest.user_id == user_id)
    if assigned_to:
        statement = statement.where(DataRequest.assigned_to == assigned_to)
    if open_only or due_on_or_before is not None:
        statement = statement.where(DataRequest.state.not_in(FINAL_STATES))
    if due_on_or_before is not None:
        statement = statement.where(_pending_due() <= due_on_or_before)
    return statement


def _pending_due():  # type: ignore[no-untyped-def]
    """The deadline a request is working towards: execution once answered, else the answer."""
    return func.coalesce(DataRequest.execution_due, DataRequest.answer_due)


async def active_oppositions(session: AsyncSession, user_id: uuid.UUID) -> list[DataRequest]:
    rows = await session.scalars(
        select(DataRequest).where(
            DataRequest.user_id == user_id,
            DataRequest.request_type == RequestType.OPPOSITION.value,
            DataRequest.state.not_in(("refused", "withdrawn")),
        )
    )
    return list(rows)


async def user_is_blocked(session: AsyncSession, user_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(DataBlock.id)
        .where(DataBlock.user_id == user_id, DataBlock.lifted_at.is_(None))
        .limit(1)
    )
    return found is not None


async def category_is_blocked(session: AsyncSession, user_id: uuid.UUID, category: str) -> bool:
    """Return whether any cancellation still blocks this category of the user's data."""
    found = await session.scalar(
        select(DataBlock.id)
        .where(
            DataBlock.user_id == user_id,
            DataBlock.category == category,
            DataBlock.lifted_at.is_(None),
            DataBlock.suppressed_at.is_(None),
        )
        .limit(1)
    )
    return found is not None


async def blocks_of_request(session: AsyncSession, request_id: uuid.UUID) -> list[DataBlock]:
    rows = await session.scalars(
        select(DataBlock).where(DataBlock.request_id == request_id).order_by(DataBlock.category)
    )
    return list(rows)


async def requests_with_due_blocks(session: AsyncSession, now: datetime) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(DataBlock.request_id)
        .where(
            DataBlock.suppress_after <= now,
            DataBlock.suppressed_at.is_(None),
            DataBlock.lifted_at.is_(None),
        )
        .distinct()
    )
    return list(rows)


async def latest_consent(
    session: AsyncSession, user_id: uuid.UUID, purpose: str
) -> ConsentLog | None:
    return await session.scalar(
        select(ConsentLog)
        .where(ConsentLog.user_id == user_id, ConsentLog.purpose == purpose)
        .order_by(ConsentLog.id.desc())
        .limit(1)
    )


async def consent_history(session: AsyncSession, user_id: uuid.UUID) -> list[ConsentLog]:
    rows = await session.scalars(
        select(ConsentLog).where(ConsentLog.user_id == user_id).order_by(ConsentLog.id)
    )
    return list(rows)


async def consent_action_counts(
    session: AsyncSession, since: datetime | None, until: datetime | None
) -> dict[tuple[str, str], int]:
    """Count consent records by (purpose, action), optionally within [since, until)."""
    statement = select(ConsentLog.purpose, ConsentLog.action, func.count()).group_by(
        ConsentLog.purpose, ConsentLog.action
    )
    if since is not None:
        statement = statement.where(ConsentLog.occurred_at >= since)
    if until is not None:
        statement = statement.where(ConsentLog.occurred_at < until)
    rows = await session.execute(statement)
    return {(purpose, action): int(count) for purpose, action, count in rows}


async def current_grant_counts(session: AsyncSession) -> dict[str, int]:
    """Count, per purpose, the users whose latest consent record is a grant."""
    latest = (
        select(func.max(ConsentLog.id).label("id"))
        .group_by(ConsentLog.user_id, ConsentLog.purpose)
        .subquery()
    )
    rows = await session.execute(
        select(ConsentLog.purpose, func.count())
        .join(latest, ConsentLog.id == latest.c.id)
        .where(ConsentLog.action == ConsentAction.GRANTED.value)
        .group_by(ConsentLog.purpose)
    )
    return {purpose: int(count) for purpose, count in rows}


async def request_events(session: AsyncSession, request_id: uuid.UUID) -> list[AuditTrail]:
    """Return the audit-trail rows about one ARCO request, oldest first."""
    rows = await session.scalars(
        select(AuditTrail)
        .where(
            AuditTrail.resource_type == "data_request",
            AuditTrail.resource_id == str(request_id),
        )
        .order_by(AuditTrail.id)
    )
    return list(rows)


async def notices_of_type(
    session: AsyncSession, notice_type: str, language: str = "es-MX"
) -> list[PrivacyNotice]:
    rows = await session.scalars(
        select(PrivacyNotice).where(
            PrivacyNotice.notice_type == notice_type, PrivacyNotice.language == language
        )
    )
    return sorted(rows, key=lambda notice: notice.version_key)


async def notices_with_version(session: AsyncSession, version: str) -> list[PrivacyNotice]:
    rows = await session.scalars(select(PrivacyNotice).where(PrivacyNotice.version == version))
    return list(rows)


async def get_incident(session: AsyncSession, incident_id: uuid.UUID) -> SecurityIncident | None:
    return await session.get(SecurityIncident, incident_id)


def incidents_query() -> Select[tuple[SecurityIncident]]:
    return select(SecurityIncident)
