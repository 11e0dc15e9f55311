"""The embedded runner: on SQLite, the API process itself relays events, fires periodic
schedules and runs due jobs, with the same retry rules as a PostgreSQL worker.

`run_pending()` does one full pass and is what tests drive with a fake clock; `start()` runs
passes in the background until `stop()`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cuenty.config import Settings
from cuenty.kit.clock import utc_now
from cuenty.kit.db import transaction
from cuenty.kit.jobs import admin, embedded_store, wakeup
from cuenty.kit.jobs.context import JobContext
from cuenty.kit.jobs.execution import describe_error, run_attempt
from cuenty.kit.jobs.metrics import JobMetrics
from cuenty.kit.jobs.models import JobStatus, OutboxEntry
from cuenty.kit.jobs.registry import JobRegistry, UnknownJobError, registry
from cuenty.kit.jobs.relay import relay_events
from cuenty.kit.jobs.settings import JobSettings

# A lease outlives the job's time limit, so only a stopped process leaves one to expire.
LEASE_MARGIN = timedelta(seconds=60)
MAX_JOBS_PER_PASS = 1000

log = structlog.get_logger("cuenty.jobs")


class EmbeddedRunner:
    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        job_settings: JobSettings | None = None,
        job_registry: JobRegistry = registry,
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
        metrics: JobMetrics | None = None,
        resources: dict[str, Any] | None = None,
    ) -> None:
        self.factory = factory
        self.settings = settings
        self.job_settings = job_settings or JobSettings()
        self.registry = job_registry
        self.clock = clock
        self.rng = rng
        self.metrics = metrics
        self.resources = resources
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self._last_metrics: datetime | None = None

    @property
    def engine(self) -> AsyncEngine:
        bind = self.factory.kw["bind"]
        assert isinstance(bind, AsyncEngine)
        return bind

    async def run_pending(self, max_jobs: int = MAX_JOBS_PER_PASS) -> int:
        """Relay events, fire due schedules and run due jobs one by one; return jobs run."""
        await self._prepare_pass()
        ran = 0
        while ran < max_jobs:
            entry = await self._claim()
            if entry is None:
                # Handlers may have published events whose subscribers are due now.
                if await self._relay() == 0:
                    break
                continue
            await self._execute(entry)
            ran += 1
        return ran

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="cuenty-embedded-jobs")
            wakeup.register_runner(self.wake)
            log.info("jobs.embedded_runner_started", concurrency=self.job_settings.concurrency)

    async def stop(self) -> None:
        """Stop claiming jobs and wait for the running ones up to their time limit."""
        if self._task is None:
            return
        wakeup.unregister_runner(self.wake)
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        if self._running:
            await asyncio.wait(self._running, timeout=self.job_settings.job_timeout_seconds)
        self._task = None
        log.info("jobs.embedded_runner_stopped")

    def wake(self) -> None:
        """Start the next pass now instead of after the poll interval."""
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            # Cleared before the pass, so work committed during it starts the next one.
            self._wake.clear()
            try:
                await self._prepare_pass()
                await self._start_due_jobs()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.error("jobs.embedded_pass_failed", error=describe_error(error))
            try:
                async with asyncio.timeout(self.job_settings.poll_seconds):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def _start_due_jobs(self) -> None:
        while len(self._running) < self.job_settings.concurrency:
            entry = await self._claim()
            if entry is None:
                return
            task = asyncio.create_task(self._execute_logged(entry))
            self._running.add(task)
            task.add_done_callback(self._job_done)

    def _job_done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._wake.set()

    async def _execute_logged(self, entry: OutboxEntry) -> None:
        try:
            await self._execute(entry)
        except Exception as error:
            # The lease expires and the job is retried; until then it shows as doing.
            log.error("jobs.outcome_not_saved", job_id=entry.id, error=describe_error(error))

    async def _prepare_pass(self) -> None:
        await self._recover_expired_leases()
        await self._relay()
        async with transaction(self.factory) as session:
            await embedded_store.fire_schedules(
                session,
                self.registry,
                now=self.clock,
                max_delay=timedelta(seconds=self.job_settings.periodic_max_delay_seconds),
            )
        await self._refresh_metrics()

    async def _relay(self) -> int:
        return await relay_events(self.factory, self.registry, now=self.clock)

    async def _claim(self) -> OutboxEntry | None:
        lease = timedelta(seconds=self.job_settings.job_timeout_seconds) + LEASE_MARGIN
        return await embedded_store.claim_next(self.engine, now=self.clock(), lease=lease)

    async def _execute(self, entry: OutboxEntry) -> None:
        try:
            handler = self.registry.get(entry.name)
        except UnknownJobError as error:
            await self._record(entry, JobStatus.FAILED, describe_error(error))
            log.error("jobs.unknown_handler", job_id=entry.id, job=entry.name)
            return
        context = JobContext(
            job_id=entry.id,
            name=entry.name,
            attempt=entry.attempts,
            max_attempts=handler.max_attempts,
            session_factory=self.factory,
            settings=self.settings,
            now=self.clock,
            scheduled_for=entry.scheduled_for,
            resources=self.resources,
        )
        error = await run_attempt(
            handler,
            context,
            dict(entry.payload),
            default_timeout=self.job_settings.job_timeout_seconds,
            metrics=self.metrics,
            request_id=entry.request_id,
        )
        if error is None:
            await self._record(entry, JobStatus.SUCCEEDED)
            return
        delay = handler.retry.delay_after(entry.attempts, self.rng)
        if delay is None:
            await self._record(entry, JobStatus.FAILED, describe_error(error))
            log.error("jobs.failed", job_id=entry.id, job=entry.name, attempts=entry.attempts)
            return
        await self._record(entry, JobStatus.TODO, describe_error(error), self.clock() + delay)

    async def _record(
        self,
        entry: OutboxEntry,
        status: JobStatus,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        async with transaction(self.factory) as session:
            await embedded_store.finish(
                session, entry.id, status=status, now=self.clock(), error=error, retry_at=retry_at
            )

    async def _recover_expired_leases(self) -> None:
        now = self.clock()
        async with transaction(self.factory) as session:
            for entry in await embedded_store.expired_leases(session, now):
                handler = self.registry.handlers.get(entry.name)
                left = handler is not None and entry.attempts < handler.max_attempts
                entry.status = (JobStatus.TODO if left else JobStatus.FAILED).value
                entry.run_at = now
                entry.lease_expires_at = None
                entry.last_error = "the process running this job stopped before it finished"
                if not left:
                    entry.finished_at = now
                log.warning("jobs.lease_expired", job_id=entry.id, job=entry.name, retried=left)

    async def _refresh_metrics(self) -> None:
        if self.metrics is None:
            return
        now = self.clock()
        interval = timedelta(seconds=self.job_settings.metrics_refresh_seconds)
        if self._last_metrics is not None and now - self._last_metrics < interval:
            return
        self._last_metrics = now
        async with self.factory() as session:
            self.metrics.update_queue(await admin.queue_stats(session, now))
