"""Relay of published events: each `outbox` event becomes one job per subscriber, in the same
transaction that marks the event relayed, so every subscriber runs once per event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cuenty.kit import locks
from cuenty.kit.db import transaction
from cuenty.kit.jobs.enqueue import enqueue
from cuenty.kit.jobs.models import EntryKind, JobStatus, OutboxEntry
from cuenty.kit.jobs.registry import JobRegistry

RELAY_LOCK = "cuenty.jobs.relay"
BATCH_SIZE = 200

log = structlog.get_logger("cuenty.jobs")


async def relay_events(
    factory: async_sessionmaker[AsyncSession],
    registry: JobRegistry,
    *,
    now: Callable[[], datetime],
    batch_size: int = BATCH_SIZE,
) -> int:
    """Relay up to `batch_size` waiting events, oldest first; return how many were relayed."""
    async with transaction(factory) as session:
        # One relay at a time across workers keeps subscriber jobs in publishing order.
        if not await locks.try_advisory_xact_lock(session, RELAY_LOCK):
            return 0
        entries = (
            await session.scalars(
                select(OutboxEntry)
                .where(
                    OutboxEntry.kind == EntryKind.EVENT.value,
                    OutboxEntry.status == JobStatus.TODO.value,
                )
                .order_by(OutboxEntry.id)
                .limit(batch_size)
            )
        ).all()
        for entry in entries:
            await _fan_out(session, registry, entry, now)
            entry.status = JobStatus.RELAYED.value
            entry.finished_at = now()
    if entries:
        log.debug("jobs.events_relayed", count=len(entries))
    return len(entries)


async def _fan_out(
    session: AsyncSession,
    registry: JobRegistry,
    entry: OutboxEntry,
    now: Callable[[], datetime],
) -> None:
    payload = {
        "event_id": entry.payload.get("id"),
        "event_type": entry.name,
        "occurred_at": entry.created_at.isoformat(),
        "data": entry.payload.get("data", {}),
    }
    # Subscriber jobs log under the request that published the event.
    with structlog.contextvars.bound_contextvars(request_id=entry.request_id):
        for subscription in registry.subscribers(entry.name):
            await enqueue(
                session,
                subscription.handler,
                payload,
                ordering_key=f"events:{subscription.handler}" if subscription.ordered else None,
                now=now,
            )
