"""Operations on the queue: counts by state, the oldest waiting job, failures with their last
error, and retrying or cancelling a job.

PostgreSQL reads procrastinate's tables (and `job_errors`); SQLite reads the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.kit.jobs.models import EntryKind, JobStatus, OutboxEntry

STATES = ("todo", "doing", "succeeded", "failed", "cancelled")


class JobNotFoundError(LookupError):
    """Raised when no job has the given id."""


class JobStateError(ValueError):
    """Raised when a job's state does not allow the operation; `status` is that state."""

    def __init__(self, job_id: int, status: str) -> None:
        super().__init__(f"job {job_id} is {status}")
        self.status = status


@dataclass(frozen=True)
class QueueStats:
    backend: str
    counts: dict[str, int]
    ready: int
    scheduled: int
    oldest_waiting_seconds: float | None
    events_waiting: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FailedJob:
    id: int
    name: str
    attempts: int
    last_error: str | None
    failed_at: datetime | None


async def backend_name(session: AsyncSession) -> str:
    connection = await session.connection()
    return "procrastinate" if connection.dialect.name == "postgresql" else "embedded"


async def queue_stats(session: AsyncSession, now: datetime) -> QueueStats:
    backend = await backend_name(session)
    events = await session.scalar(
        select(func.count())
        .select_from(OutboxEntry)
        .where(OutboxEntry.kind == EntryKind.EVENT.value, OutboxEntry.status == "todo")
    )
    if backend == "procrastinate":
        stats = await _postgres_stats(session, now)
    else:
        stats = await _outbox_stats(session, now)
    return QueueStats(backend=backend, events_waiting=events or 0, **stats)


async def failed_jobs(session: AsyncSession, limit: int = 50) -> list[FailedJob]:
    """Return the most recent failed jobs, newest first."""
    if await backend_name(session) == "procrastinate":
        rows = await session.execute(_POSTGRES_FAILED, {"limit": limit})
        return [
            FailedJob(row.id, row.task_name, row.attempt or row.attempts + 1, row.error, row.at)
            for row in rows
        ]
    entries = await session.scalars(
        select(OutboxEntry)
        .where(OutboxEntry.kind == EntryKind.JOB.value, OutboxEntry.status == "failed")
        .order_by(OutboxEntry.id.desc())
        .limit(limit)
    )
    return [
        FailedJob(entry.id, entry.name, entry.attempts, entry.last_error, entry.finished_at)
        for entry in entries
    ]


async def retry_job(session: AsyncSession, job_id: int, now: datetime) -> None:
    """Run a failed job once more, now; if that attempt fails too, it is failed again."""
    status = await _status(session, job_id)
    if status != JobStatus.FAILED.value:
        raise JobStateError(job_id, status)
    if await backend_name(session) == "procrastinate":
        await session.execute(
            text("SELECT procrastinate_retry_job_v2(:id, :now, NULL, NULL, NULL)"),
            {"id": job_id, "now": now},
        )
        return
    await session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id == job_id)
        .values(status=JobStatus.TODO.value, run_at=now, finished_at=None, lease_expires_at=None)
    )


async def cancel_job(session: AsyncSession, job_id: int) -> None:
    """Cancel a waiting job (including one waiting for a retry) or dismiss a failed one."""
    status = await _status(session, job_id)
    if status not in (JobStatus.TODO.value, JobStatus.FAILED.value):
        raise JobStateError(job_id, status)
    if await backend_name(session) == "procrastinate":
        if status == JobStatus.TODO.value:
            statement = "SELECT procrastinate_cancel_job_v1(:id, false, false)"
        else:
            statement = "UPDATE procrastinate_jobs SET status = 'cancelled' WHERE id = :id"
        await session.execute(text(statement), {"id": job_id})
        return
    await session.execute(
        update(OutboxEntry).where(OutboxEntry.id == job_id).values(status="cancelled")
    )


async def _status(session: AsyncSession, job_id: int) -> str:
    if await backend_name(session) == "procrastinate":
        status = await session.scalar(
            text("SELECT status::text FROM procrastinate_jobs WHERE id = :id FOR UPDATE"),
            {"id": job_id},
        )
    else:
        status = await session.scalar(
            select(OutboxEntry.status).where(
                OutboxEntry.id == job_id, OutboxEntry.kind == EntryKind.JOB.value
            )
        )
    if status is None:
        raise JobNotFoundError(f"no job has id {job_id}")
    return str(status)


async def _outbox_stats(session: AsyncSession, now: datetime) -> dict[str, Any]:
    jobs = OutboxEntry.kind == EntryKind.JOB.value
    grouped = await session.execute(
        select(OutboxEntry.status, func.count()).where(jobs).group_by(OutboxEntry.status)
    )
    counts = dict.fromkeys(STATES, 0) | {status: count for status, count in grouped}
    waiting = (OutboxEntry.status == "todo") & jobs
    due = await session.execute(
        select(func.count(), func.min(OutboxEntry.run_at)).where(waiting, OutboxEntry.run_at <= now)
    )
    ready, oldest = due.one()
    scheduled = await session.scalar(select(func.count()).where(waiting, OutboxEntry.run_at > now))
    oldest_at = _as_utc(oldest)
    return {
        "counts": counts,
        "ready": ready,
        "scheduled": scheduled or 0,
        "oldest_waiting_seconds": (now - oldest_at).total_seconds() if oldest_at else None,
    }


async def _postgres_stats(session: AsyncSession, now: datetime) -> dict[str, Any]:
    grouped = await session.execute(
        text("SELECT status::text AS status, count(*) AS n FROM procrastinate_jobs GROUP BY 1")
    )
    counts = dict.fromkeys(STATES, 0) | {row.status: row.n for row in grouped}
    row = (await session.execute(_POSTGRES_WAITING, {"now": now})).one()
    oldest = row.oldest
    return {
        "counts": counts,
        "ready": row.ready,
        "scheduled": row.scheduled,
        "oldest_waiting_seconds": max((now - oldest).total_seconds(), 0.0) if oldest else None,
    }


def _as_utc(value: datetime | None) -> datetime | None:
    # min() keeps the column's type, but SQLite may still return a naive value; it is UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


# A job waits from when it became due: its scheduled time, or when it was deferred.
_POSTGRES_WAITING = text(
    """
    SELECT count(*) FILTER (WHERE due) AS ready,
           count(*) FILTER (WHERE NOT due) AS scheduled,
           min(waiting_since) FILTER (WHERE due) AS oldest
      FROM (
        SELECT coalesce(j.scheduled_at <= :now, true) AS due,
               coalesce(j.scheduled_at, (SELECT min(e.at) FROM procrastinate_events e
                                          WHERE e.job_id = j.id AND e.type = 'deferred'))
                 AS waiting_since
          FROM procrastinate_jobs j
         WHERE j.status = 'todo'
      ) AS waiting
    """
)

_POSTGRES_FAILED = text(
    """
    SELECT j.id, j.task_name, j.attempts, e.attempt, e.error,
           coalesce(e.occurred_at, (SELECT max(ev.at) FROM procrastinate_events ev
                                     WHERE ev.job_id = j.id)) AS at
      FROM procrastinate_jobs j
      LEFT JOIN job_errors e ON e.job_id = j.id
     WHERE j.status = 'failed'
     ORDER BY j.id DESC
     LIMIT :limit
    """
)
