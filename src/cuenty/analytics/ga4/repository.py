"""Queries of GA4 forwarding: its cursor, the stored events it reads, and visitor links."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.ga4.models import DEFAULT_CURSOR, ForwardCursor
from cuenty.analytics.models import AnalyticsEvent, IdentityLink


async def locked_cursor(session: AsyncSession, start_before: datetime) -> ForwardCursor:
    """Return the cursor row locked for this transaction, creating it on first use.

    A new cursor starts after the last event received before `start_before`, so turning
    forwarding on never walks through history that GA4 would reject as too old.
    """
    statement = select(ForwardCursor).where(ForwardCursor.name == DEFAULT_CURSOR).with_for_update()
    cursor = await session.scalar(statement)
    if cursor is not None:
        return cursor
    # NOTE: a full scan of received_at, once, when forwarding first runs on a database.
    start = await session.scalar(
        select(func.max(AnalyticsEvent.id)).where(AnalyticsEvent.received_at < start_before)
    )
    cursor = ForwardCursor(name=DEFAULT_CURSOR, last_event_row_id=start or 0)
    session.add(cursor)
    await session.flush()
    return cursor


async def events_after(
    session: AsyncSession, last_row_id: int, received_before: datetime, limit: int
) -> Sequence[AnalyticsEvent]:
    statement = (
        select(AnalyticsEvent)
        .where(AnalyticsEvent.id > last_row_id, AnalyticsEvent.received_at <= received_before)
        .order_by(AnalyticsEvent.id)
        .limit(limit)
    )
    return (await session.scalars(statement)).all()


async def events_by_row_ids(session: AsyncSession, row_ids: Iterable[int]) -> list[AnalyticsEvent]:
    statement = select(AnalyticsEvent).where(AnalyticsEvent.id.in_(list(row_ids)))
    return sorted((await session.scalars(statement)).all(), key=lambda event: event.id)


async def linked_users(session: AsyncSession, anonymous_ids: Iterable[str]) -> dict[str, uuid.UUID]:
    """Map each anonymous id that later signed in to its user."""
    wanted = sorted(set(anonymous_ids))
    if not wanted:
        return {}
    statement = select(IdentityLink.anonymous_id, IdentityLink.user_id).where(
        IdentityLink.anonymous_id.in_(wanted)
    )
    return {row.anonymous_id: row.user_id for row in await session.execute(statement)}
