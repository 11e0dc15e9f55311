"""The PostgreSQL backend: a procrastinate App holding one task per registered handler, with
the handler's retry policy, and the periodic schedules.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import procrastinate
from procrastinate import App, BaseRetryStrategy, PsycopgConnector, RetryDecision
from procrastinate.jobs import Job
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cuenty.config import Settings
from cuenty.kit.clock import utc_now
from cuenty.kit.db import transaction
from cuenty.kit.jobs.context import JobContext
from cuenty.kit.jobs.execution import describe_error, run_attempt
from cuenty.kit.jobs.metrics import JobMetrics
from cuenty.kit.jobs.models import JobError
from cuenty.kit.jobs.registry import Handler, JobRegistry
from cuenty.kit.jobs.retry import RetryPolicy
from cuenty.kit.jobs.settings import JobSettings

CONTEXT_KEY = "cuenty"


@dataclass(frozen=True)
class WorkerResources:
    """Objects shared by every task of one worker process, passed in procrastinate's context."""

    factory: async_sessionmaker[AsyncSession]
    settings: Settings
    job_settings: JobSettings
    clock: Callable[[], datetime] = utc_now
    metrics: JobMetrics | None = None
    resources: dict[str, Any] | None = None


class PolicyRetryStrategy(BaseRetryStrategy):
    """Procrastinate retry strategy that follows a RetryPolicy."""

    def __init__(self, policy: RetryPolicy, rng: random.Random | None = None) -> None:
        self.policy = policy
        self.rng = rng

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        # procrastinate counts earlier attempts from 0, so the attempt that failed is + 1.
        delay = self.policy.delay_after(job.attempts + 1, self.rng)
        if delay is None:
            return None
        return RetryDecision(retry_at=utc_now() + delay)


def libpq_conninfo(database_url: str) -> str:
    """Turn a SQLAlchemy URL (`postgresql+psycopg://...`) into a libpq connection URI."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def build_app(
    job_registry: JobRegistry, conninfo: str, job_settings: JobSettings, *, pool_size: int = 4
) -> App:
    connector = PsycopgConnector(conninfo=conninfo, min_size=1, max_size=pool_size)
    app = App(
        connector=connector,
        periodic_defaults={"max_delay": job_settings.periodic_max_delay_seconds},
    )
    for handler in job_registry.handlers.values():
        app.task(
            name=handler.name,
            pass_context=True,
            retry=PolicyRetryStrategy(handler.retry),
        )(_task_function(handler))
    for schedule in job_registry.schedules.values():
        app.periodic(
            cron=schedule.cron,
            periodic_id=schedule.key,
            task_kwargs={"payload": dict(schedule.payload)},
        )(app.tasks[schedule.handler])
    return app


def _task_function(handler: Handler) -> Callable[..., Awaitable[None]]:
    async def run(
        job_context: procrastinate.JobContext,
        payload: dict[str, Any] | None = None,
        request_id: str | None = None,
        timestamp: int | None = None,
    ) -> None:
        shared: WorkerResources = (job_context.additional_context or {})[CONTEXT_KEY]
        job = job_context.job
        assert job.id is not None
        context = JobContext(
            job_id=job.id,
            name=handler.name,
            attempt=job.attempts + 1,
            max_attempts=handler.max_attempts,
            session_factory=shared.factory,
            settings=shared.settings,
            now=shared.clock,
            scheduled_for=datetime.fromtimestamp(timestamp, UTC) if timestamp else None,
            resources=shared.resources,
        )
        error = await run_attempt(
            handler,
            context,
            payload or {},
            default_timeout=shared.job_settings.job_timeout_seconds,
            metrics=shared.metrics,
            request_id=request_id,
        )
        if error is not None:
            await record_error(shared.factory, job.id, handler.name, context.attempt, error)
            raise error
        if context.attempt > 1:
            await clear_error(shared.factory, job.id)

    run.__name__ = handler.name.replace(".", "_")
    return run


async def record_error(
    factory: async_sessionmaker[AsyncSession],
    job_id: int,
    name: str,
    attempt: int,
    error: BaseException | str,
) -> None:
    """Keep the job's last error, which procrastinate does not store, for `GET /v1/jobs`."""
    text = error if isinstance(error, str) else describe_error(error)
    values = {"job_id": job_id, "name": name, "attempt": attempt, "error": text}
    statement = postgresql.insert(JobError).values(occurred_at=utc_now(), **values)
    statement = statement.on_conflict_do_update(
        index_elements=["job_id"],
        set_={
            "attempt": attempt,
            "error": text,
            "occurred_at": statement.excluded.occurred_at,
        },
    )
    async with transaction(factory) as session:
        await session.execute(statement)


async def clear_error(factory: async_sessionmaker[AsyncSession], job_id: int) -> None:
    async with transaction(factory) as session:
        await session.execute(delete(JobError).where(JobError.job_id == job_id))
