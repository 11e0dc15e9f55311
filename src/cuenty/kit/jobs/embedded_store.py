"""The embedded runner's queries on the outbox: claim a due job under SQLite's write lock,
record its outcome, put back jobs whose lease expired, and fire due periodic schedules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import aliased

from cuenty.kit.jobs.enqueue import insert_outbox_job
from cuenty.kit.jobs.models import EntryKind, JobScheduleState, JobStatus, OutboxEntry
from cuenty.kit.jobs.registry import JobRegistry
from cuenty.kit.jobs.schedule import due_runs

_other = aliased(OutboxEntry)


async def claim_next(engine: AsyncEngine, *, now: datetime, lease: timedelta) -> OutboxEntry | None:
    """Mark the oldest due job `doing` and return it, or None when none is due.

    `BEGIN IMMEDIATE` takes SQLite's write lock before reading, so no other connection can
    claim the same row between the SELECT and the UPDATE (SQLite has no SKIP LOCKED).
    """
    async with engine.connect() as connection:
        await connection.exec_driver_sql("BEGIN IMMEDIATE")
        row = (await connection.execute(_due_job_query(now))).first()
        if row is None:
            await connection.commit()
            return None
        entry = OutboxEntry(**row._asdict())
        entry.attempts += 1
        await connection.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id == entry.id)
            .values(
                status=JobStatus.DOING.value,
                attempts=entry.attempts,
                started_at=now,
                lease_expires_at=now + lease,
            )
        )
        await connection.commit()
    return entry


async def finish(
    session: AsyncSession,
    entry_id: int,
    *,
    status: JobStatus,
    now: datetime,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    values: dict[str, object] = {"status": status.value, "lease_expires_at": None}
    if status is JobStatus.TODO:
        values["run_at"] = retry_at or now
    else:
        values["finished_at"] = now
    if error is not None:
        values["last_error"] = error
    await session.execute(update(OutboxEntry).where(OutboxEntry.id == entry_id).values(**values))


async def expired_leases(session: AsyncSession, now: datetime) -> list[OutboxEntry]:
    """Return jobs left `doing` past their lease: their process stopped mid-run."""
    result = await session.scalars(
        select(OutboxEntry).where(
            OutboxEntry.kind == EntryKind.JOB.value,
            OutboxEntry.status == JobStatus.DOING.value,
            OutboxEntry.lease_expires_at <= now,
        )
    )
    return list(result)


async def fire_schedules(
    session: AsyncSession,
    registry: JobRegistry,
    *,
    now: Callable[[], datetime],
    max_delay: timedelta,
) -> int:
    """Add a job for each cron time that came due since a schedule's last run; return the count.

    The job rows and the schedule's new last run commit together, so a time fires once.
    """
    fired = 0
    moment = now()
    for schedule in registry.schedules.values():
        state = await session.get(JobScheduleState, schedule.id)
        last = state.last_run_at if state else None
        runs = list(due_runs(schedule.cron, last_run=last, now=moment, max_delay=max_delay))
        for run in runs:
            await insert_outbox_job(
                session,
                schedule.handler,
                dict(schedule.payload),
                run_at=run,
                created_at=moment,
                scheduled_for=run,
            )
        if not runs:
            continue
        fired += len(runs)
        if state is None:
            session.add(JobScheduleState(schedule_id=schedule.id, last_run_at=runs[-1]))
        else:
            state.last_run_at = runs[-1]
    await session.flush()
    return fired


def _due_job_query(now: datetime):  # type: ignore[no-untyped-def]
    # A job with an ordering key waits while an earlier job with that key waits or runs.
    blocked = exists().where(
        _other.kind == EntryKind.JOB.value,
        _other.ordering_key == OutboxEntry.ordering_key,
        _other.id != OutboxEntry.id,
        or_(
            _other.status == JobStatus.DOING.value,
            and_(_other.status == JobStatus.TODO.value, _other.id < OutboxEntry.id),
        ),
    )
    return (
        select(*OutboxEntry.__table__.columns)
        .where(
            OutboxEntry.kind == EntryKind.JOB.value,
            OutboxEntry.status == JobStatus.TODO.value,
            OutboxEntry.run_at <= now,
            or_(OutboxEntry.ordering_key.is_(None), ~blocked),
        )
        .order_by(OutboxEntry.id)
        .limit(1)
    )
