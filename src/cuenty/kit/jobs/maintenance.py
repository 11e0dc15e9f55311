"""Periodic upkeep of the kit: expired distributed locks, finished jobs and relayed events,
and expired idempotency keys.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.kit import idempotency, locks
from cuenty.kit.db import transaction
from cuenty.kit.jobs.context import JobContext
from cuenty.kit.jobs.models import JobStatus, OutboxEntry
from cuenty.kit.jobs.registry import registry
from cuenty.kit.jobs.settings import JobSettings

CLEANUP_LOCKS = "locks.cleanup_expired"
PURGE_FINISHED = "jobs.purge_finished"
FINISHED = (JobStatus.SUCCEEDED.value, JobStatus.CANCELLED.value, JobStatus.RELAYED.value)


@registry.handler(CLEANUP_LOCKS, max_attempts=1)
async def cleanup_expired_locks(context: JobContext, payload: dict[str, Any]) -> None:
    async with transaction(context.session_factory) as session:
        await locks.cleanup_expired_locks(session, now=context.now())


@registry.handler(PURGE_FINISHED, max_attempts=3)
async def purge_finished(context: JobContext, payload: dict[str, Any]) -> None:
    """Delete finished jobs, relayed events and expired idempotency keys past their retention."""
    keep = timedelta(days=JobSettings().keep_finished_days)
    cutoff = context.now() - keep
    async with transaction(context.session_factory) as session:
        await session.execute(
            delete(OutboxEntry).where(
                OutboxEntry.status.in_(FINISHED), OutboxEntry.finished_at <= cutoff
            )
        )
        await idempotency.purge_expired(session, now=context.now())
        if (await session.connection()).dialect.name == "postgresql":
            await _purge_procrastinate(session, cutoff)


async def _purge_procrastinate(session: AsyncSession, cutoff: datetime) -> None:
    # A job is old when its latest event (started, succeeded, cancelled...) is older than the
    # cutoff. Failed jobs stay until an operator retries or cancels them.
    await session.execute(
        text(
            """
            DELETE FROM procrastinate_jobs j
             WHERE j.status IN ('succeeded', 'cancelled', 'aborted')
               AND NOT EXISTS (SELECT 1 FROM procrastinate_events e
                                WHERE e.job_id = j.id AND e.at > :cutoff)
            """
        ),
        {"cutoff": cutoff},
    )
    await session.execute(
        text("DELETE FROM job_errors WHERE job_id NOT IN (SELECT id FROM procrastinate_jobs)")
    )


registry.periodic(CLEANUP_LOCKS, "* * * * *")
# 03:17 in Mexico City (UTC-6), away from the top of the hour when other schedules run.
registry.periodic(PURGE_FINISHED, "17 9 * * *")
