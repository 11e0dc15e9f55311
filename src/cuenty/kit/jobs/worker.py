"""`cuenty worker` on PostgreSQL: procrastinate's worker plus three loops of its own: the
event relay, the retry of jobs left by a dead worker, and the queue metrics.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import structlog
from procrastinate import App
from procrastinate.exceptions import ConnectorException
from procrastinate.jobs import Status
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cuenty.config import Settings
from cuenty.kit.clock import utc_now
from cuenty.kit.db import create_engine, create_session_factory
from cuenty.kit.jobs import admin, wakeup
from cuenty.kit.jobs.execution import describe_error
from cuenty.kit.jobs.metrics import JobMetrics
from cuenty.kit.jobs.models import EntryKind, JobStatus, OutboxEntry
from cuenty.kit.jobs.postgres import (
    CONTEXT_KEY,
    WorkerResources,
    build_app,
    libpq_conninfo,
    record_error,
)
from cuenty.kit.jobs.registry import JobRegistry, registry
from cuenty.kit.jobs.relay import relay_events
from cuenty.kit.jobs.settings import JobSettings

MAX_DRAIN_ROUNDS = 50
STALLED_ERROR = "the worker running this job stopped sending heartbeats"

log = structlog.get_logger("cuenty.jobs")


async def run_worker(
    settings: Settings,
    job_settings: JobSettings,
    *,
    stop: asyncio.Event,
    name: str | None = None,
    job_registry: JobRegistry = registry,
    metrics: JobMetrics | None = None,
    resources: dict[str, Any] | None = None,
) -> None:
    """Run jobs until `stop` is set, then finish the running ones (up to their time limit)."""
    engine = create_engine(settings.database_url, pool_size=job_settings.concurrency + 2)
    factory = create_session_factory(engine)
    conninfo = libpq_conninfo(settings.database_url)
    app = build_app(job_registry, conninfo, job_settings, pool_size=job_settings.concurrency + 4)
    shared = WorkerResources(factory, settings, job_settings, metrics=metrics, resources=resources)
    try:
        async with app.open_async():
            worker = asyncio.create_task(
                app.run_worker_async(**_worker_options(job_settings, shared, name)),
                name="procrastinate-worker",
            )
            loops = _start_loops(app, factory, job_registry, job_settings, metrics, conninfo)
            stopping = asyncio.create_task(stop.wait())
            log.info("jobs.worker_started", name=name, concurrency=job_settings.concurrency)
            await asyncio.wait([worker, stopping], return_when=asyncio.FIRST_COMPLETED)
            stopped_by_itself = worker.done()
            for task in (*loops, stopping, worker):
                task.cancel()
            results = await asyncio.gather(worker, *loops, stopping, return_exceptions=True)
            if stopped_by_itself:
                # procrastinate stops when one of its own loops fails; exit non-zero so the
                # process supervisor starts a new worker.
                log.error("jobs.worker_failed", name=name, error=repr(results[0]))
                raise RuntimeError(
                    f"procrastinate's worker stopped with {results[0]!r}; exiting so the "
                    "process supervisor can start a new worker"
                )
    finally:
        await engine.dispose()
        log.info("jobs.worker_stopped", name=name)


async def drain(
    settings: Settings,
    job_settings: JobSettings,
    *,
    job_registry: JobRegistry = registry,
    resources: dict[str, Any] | None = None,
) -> None:
    """Relay events and run every due job until none is left, then return (tests, scripts)."""
    engine = create_engine(settings.database_url, pool_size=2)
    factory = create_session_factory(engine)
    app = build_app(job_registry, libpq_conninfo(settings.database_url), job_settings)
    shared = WorkerResources(factory, settings, job_settings, resources=resources)
    options = {**_worker_options(job_settings, shared, "drain"), "wait": False}
    try:
        async with app.open_async():
            # A job may publish events, or be retried at once, after the worker found the
            # queue empty: go round until nothing is due.
            for _ in range(MAX_DRAIN_ROUNDS):
                relayed = await relay_events(factory, job_registry, now=utc_now)
                await app.run_worker_async(**options)
                if relayed == 0 and not await _jobs_due(factory):
                    break
    finally:
        await engine.dispose()


async def retry_stalled_jobs(
    app: App,
    factory: async_sessionmaker[AsyncSession],
    job_registry: JobRegistry,
    job_settings: JobSettings,
) -> int:
    """Put back jobs whose worker stopped sending heartbeats (killed mid-job); return the count.

    A job that has used all its attempts is marked failed instead.
    """
    stalled = await app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=job_settings.stalled_after_seconds
    )
    recovered = 0
    for job in stalled:
        assert job.id is not None
        handler = job_registry.handlers.get(job.task_name)
        attempt = job.attempts + 1
        try:
            if handler is not None and attempt < handler.max_attempts:
                await app.job_manager.retry_job(job)
            else:
                await app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
        except ConnectorException as error:
            # Another worker's check got to this job first.
            log.debug("jobs.stalled_already_handled", job_id=job.id, error=describe_error(error))
            continue
        await record_error(factory, job.id, job.task_name, attempt, STALLED_ERROR)
        log.warning("jobs.stalled_job_recovered", job_id=job.id, job=job.task_name)
        recovered += 1
    return recovered


async def _jobs_due(factory: async_sessionmaker[AsyncSession]) -> bool:
    async with factory() as session:
        due = await session.scalar(
            text(
                "SELECT EXISTS (SELECT 1 FROM procrastinate_jobs WHERE status = 'todo' "
                "AND (scheduled_at IS NULL OR scheduled_at <= now()))"
            )
        )
        events = await session.scalar(
            select(func.count())
            .select_from(OutboxEntry)
            .where(
                OutboxEntry.kind == EntryKind.EVENT.value,
                OutboxEntry.status == JobStatus.TODO.value,
            )
        )
    return bool(due) or bool(events)


def _worker_options(
    job_settings: JobSettings, shared: WorkerResources, name: str | None
) -> dict[str, Any]:
    return {
        "name": name,
        "concurrency": job_settings.concurrency,
        "install_signal_handlers": False,
        "additional_context": {CONTEXT_KEY: shared},
        "fetch_job_polling_interval": job_settings.poll_seconds,
        "update_heartbeat_interval": job_settings.heartbeat_seconds,
        "stalled_worker_timeout": job_settings.stalled_after_seconds,
        "shutdown_graceful_timeout": job_settings.job_timeout_seconds,
        "listen_notify": True,
    }


def _start_loops(
    app: App,
    factory: async_sessionmaker[AsyncSession],
    job_registry: JobRegistry,
    job_settings: JobSettings,
    metrics: JobMetrics | None,
    conninfo: str,
) -> list[asyncio.Task[None]]:
    async def stalled() -> None:
        await retry_stalled_jobs(app, factory, job_registry, job_settings)

    async def refresh_metrics() -> None:
        if metrics is not None:
            async with factory() as session:
                metrics.update_queue(await admin.queue_stats(session, utc_now()))

    wake = asyncio.Event()
    every = {
        "stalled-jobs": (stalled, job_settings.heartbeat_seconds),
        "queue-metrics": (refresh_metrics, job_settings.metrics_refresh_seconds),
    }
    tasks = [
        asyncio.create_task(_repeat(name, action, seconds), name=name)
        for name, (action, seconds) in every.items()
    ]
    tasks.append(asyncio.create_task(_listen_for_events(conninfo, wake, job_settings)))
    tasks.append(
        asyncio.create_task(_relay_loop(factory, job_registry, wake, job_settings), name="relay")
    )
    return tasks


async def _relay_loop(
    factory: async_sessionmaker[AsyncSession],
    job_registry: JobRegistry,
    wake: asyncio.Event,
    job_settings: JobSettings,
) -> None:
    """Relay events when their transaction's NOTIFY arrives, and at least every poll interval."""
    while True:
        wake.clear()
        try:
            await relay_events(factory, job_registry, now=utc_now)
        except Exception as error:
            log.error("jobs.loop_failed", loop="relay", error=describe_error(error))
        try:
            async with asyncio.timeout(job_settings.poll_seconds):
                await wake.wait()
        except TimeoutError:
            pass


async def _listen_for_events(conninfo: str, wake: asyncio.Event, job_settings: JobSettings) -> None:
    while True:
        try:
            connection = await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
            async with connection:
                await connection.execute(f"LISTEN {wakeup.EVENTS_CHANNEL}")
                async for _ in connection.notifies():
                    wake.set()
        except psycopg.Error as error:
            # Polling still relays events meanwhile; reconnect after a pause.
            log.warning("jobs.listen_failed", error=describe_error(error))
            await asyncio.sleep(job_settings.poll_seconds)


async def _repeat(name: str, action: Callable[[], Awaitable[None]], seconds: float) -> None:
    while True:
        try:
            await action()
        except Exception as error:
            # A database restart must not stop the worker; the next round tries again.
            log.error("jobs.loop_failed", loop=name, error=describe_error(error))
        await asyncio.sleep(seconds)
