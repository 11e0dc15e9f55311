"""The embedded runner (SQLite) on a controllable clock: retry schedule, ordering, periodic
runs, leases, time limits, metrics, and its start from the app's lifespan.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.app import create_app
from cuenty.kit.db import create_session_factory, transaction
from cuenty.kit.jobs import JobContext, JobRegistry, RetryPolicy, enqueue, registry
from cuenty.kit.jobs.embedded_store import claim_next
from cuenty.kit.jobs.metrics import JobMetrics
from cuenty.kit.jobs.models import OutboxEntry
from tests.conftest import TestDatabase, make_settings
from tests.jobs.support import FakeClock, embedded_runner, job_settings

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)

POLICY = RetryPolicy(max_attempts=4, base_seconds=10, factor=2, max_delay_seconds=3600, jitter=0.25)


class Calls:
    def __init__(self, failures: int = 0) -> None:
        self.seen: list[tuple[dict[str, Any], int, datetime | None]] = []
        self.failures = failures

    async def __call__(self, context: JobContext, payload: dict[str, Any]) -> None:
        self.seen.append((payload, context.attempt, context.scheduled_for))
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("endpoint not answering")


async def _job(engine: AsyncEngine, job_id: int) -> OutboxEntry:
    async with create_session_factory(engine)() as session:
        entry = await session.get(OutboxEntry, job_id)
    assert entry is not None
    return entry


async def test_retries_follow_policy_on_clock(database: TestDatabase, engine: AsyncEngine) -> None:
    calls = Calls(failures=2)
    jobs = JobRegistry()
    jobs.handler("tests.flaky", retry=POLICY)(calls)
    clock = FakeClock()
    runner = embedded_runner(engine, jobs, clock, seed=3)
    expected_rng = random.Random(3)  # noqa: S311 - the same sequence the runner draws
    async with transaction(create_session_factory(engine)) as session:
        job_id = await enqueue(session, "tests.flaky", {"n": 1}, now=clock)
    assert job_id is not None

    await runner.run_pending()
    first_delay = POLICY.delay_after(1, expected_rng)
    assert first_delay is not None
    assert (await _job(engine, job_id)).run_at == clock() + first_delay

    clock.advance(seconds=first_delay.total_seconds() - 1)
    assert await runner.run_pending() == 0
    clock.advance(seconds=1)
    await runner.run_pending()
    second_delay = POLICY.delay_after(2, expected_rng)
    assert second_delay is not None
    assert timedelta(seconds=15) <= second_delay <= timedelta(seconds=20)
    assert (await _job(engine, job_id)).run_at == clock() + second_delay

    clock.advance(seconds=second_delay.total_seconds())
    await runner.run_pending()
    entry = await _job(engine, job_id)
    assert [attempt for _, attempt, _ in calls.seen] == [1, 2, 3]
    assert entry.status == "succeeded"
    assert entry.attempts == 3


async def test_ordering_key_holds_later_jobs(database: TestDatabase, engine: AsyncEngine) -> None:
    ordered = Calls(failures=1)
    jobs = JobRegistry()
    jobs.handler("tests.ordered", retry=POLICY)(ordered)
    clock = FakeClock()
    runner = embedded_runner(engine, jobs, clock)
    async with transaction(create_session_factory(engine)) as session:
        for number in (1, 2, 3):
            await enqueue(session, "tests.ordered", {"n": number}, ordering_key="k", now=clock)
        await enqueue(session, "tests.ordered", {"n": 99}, now=clock)

    await runner.run_pending()
    assert [payload["n"] for payload, _, _ in ordered.seen] == [1, 99]

    clock.advance(hours=1)
    await runner.run_pending()
    assert [payload["n"] for payload, _, _ in ordered.seen] == [1, 99, 1, 2, 3]


@pytest.mark.parametrize(
    ("cron", "start", "steps", "expected"),
    [
        # every 5 minutes: started 2 minutes after 10:00, so 10:00 runs at once
        ("*/5 * * * *", "10:02", [1, 3, 5], ["10:00", "10:05", "10:10"]),
        # hourly
        ("0 * * * *", "10:05", [30, 30, 60], ["10:00", "11:00", "12:00"]),
        # daily at 08:00 UTC (02:00 in Mexico City): first seen long after, so no catch-up
        ("0 8 * * *", "10:00", [60 * 22, 60], ["08:00"]),
        # weekly on Monday 15:30; 2026-12-07 is a Monday
        ("30 15 * * 1", "15:25", [4, 2, 60 * 24 * 7], ["15:30", "15:30"]),
    ],
)
async def test_schedule_fires_once_per_period(
    database: TestDatabase,
    engine: AsyncEngine,
    cron: str,
    start: str,
    steps: list[int],
    expected: list[str],
) -> None:
    calls = Calls()
    jobs = JobRegistry()
    jobs.handler("tests.tick")(calls)
    jobs.periodic("tests.tick", cron, payload={"source": "cron"})
    hour, minute = (int(part) for part in start.split(":"))
    clock = FakeClock(datetime(2026, 12, 7, hour, minute, tzinfo=UTC))

    await embedded_runner(engine, jobs, clock).run_pending()
    for minutes in steps:
        clock.advance(minutes=minutes)
        # A new runner each time: the last run is kept in the database, not in memory.
        await embedded_runner(engine, jobs, clock).run_pending()
        await embedded_runner(engine, jobs, clock).run_pending()

    fired = [scheduled.strftime("%H:%M") for _, _, scheduled in calls.seen if scheduled]
    assert fired == expected
    assert all(payload == {"source": "cron"} for payload, _, _ in calls.seen)


async def test_missed_runs_within_max_delay_catch_up(
    database: TestDatabase, engine: AsyncEngine
) -> None:
    calls = Calls()
    jobs = JobRegistry()
    jobs.handler("tests.tick")(calls)
    jobs.periodic("tests.tick", "*/5 * * * *")
    clock = FakeClock(datetime(2026, 12, 7, 10, 0, 30, tzinfo=UTC))
    await embedded_runner(engine, jobs, clock).run_pending()

    clock.advance(minutes=35)
    await embedded_runner(engine, jobs, clock).run_pending()

    fired = [scheduled.strftime("%H:%M") for _, _, scheduled in calls.seen if scheduled]
    # At 10:35:30, runs older than the 10-minute max delay (10:05 to 10:25) are skipped.
    assert fired == ["10:00", "10:30", "10:35"]


async def test_expired_lease_is_run_again(database: TestDatabase, engine: AsyncEngine) -> None:
    calls = Calls()
    jobs = JobRegistry()
    jobs.handler("tests.crash", max_attempts=2)(calls)
    clock = FakeClock()
    async with transaction(create_session_factory(engine)) as session:
        job_id = await enqueue(session, "tests.crash", {}, now=clock)
    # A process claims the job and stops before finishing it.
    claimed = await claim_next(engine, now=clock(), lease=timedelta(minutes=6))
    assert claimed is not None

    await embedded_runner(engine, jobs, clock).run_pending()
    assert calls.seen == []
    clock.advance(minutes=7)
    await embedded_runner(engine, jobs, clock).run_pending()

    entry = await _job(engine, job_id or 0)
    assert [attempt for _, attempt, _ in calls.seen] == [2]
    assert entry.status == "succeeded"


async def test_unknown_handler_fails_job(database: TestDatabase, engine: AsyncEngine) -> None:
    async with transaction(create_session_factory(engine)) as session:
        job_id = await enqueue(session, "tests.nobody_handles_this", {})

    await embedded_runner(engine, JobRegistry()).run_pending()

    entry = await _job(engine, job_id or 0)
    assert entry.status == "failed"
    assert "tests.nobody_handles_this" in (entry.last_error or "")


async def test_time_limit_fails_attempt(database: TestDatabase, engine: AsyncEngine) -> None:
    async def slow(context: JobContext, payload: dict[str, Any]) -> None:
        await asyncio.sleep(5)

    jobs = JobRegistry()
    jobs.handler("tests.slow", max_attempts=1, timeout_seconds=0.05)(slow)
    async with transaction(create_session_factory(engine)) as session:
        job_id = await enqueue(session, "tests.slow", {})

    await embedded_runner(engine, jobs).run_pending()

    entry = await _job(engine, job_id or 0)
    assert entry.status == "failed"
    assert "0.05-second limit" in (entry.last_error or "")


async def test_runner_records_metrics(database: TestDatabase, engine: AsyncEngine) -> None:
    metrics_registry = CollectorRegistry()
    jobs = JobRegistry()
    jobs.handler("tests.measured", max_attempts=1)(Calls(failures=1))
    jobs.handler("tests.fine")(Calls())
    async with transaction(create_session_factory(engine)) as session:
        await enqueue(session, "tests.measured", {})
        await enqueue(session, "tests.fine", {})
    runner = embedded_runner(engine, jobs)
    runner.metrics = JobMetrics(metrics_registry)
    runner.job_settings = job_settings(metrics_refresh_seconds=0.001)

    await runner.run_pending()
    await runner.run_pending()

    def sample(metric: str, **labels: str) -> float | None:
        return metrics_registry.get_sample_value(metric, labels)

    assert sample("cuenty_job_failures_total", name="tests.measured") == 1
    assert sample("cuenty_job_duration_seconds_count", name="tests.fine", outcome="succeeded") == 1
    assert sample("cuenty_jobs_queue_depth", state="failed") == 1
    assert sample("cuenty_jobs_queue_depth", state="ready") == 0


async def test_app_runs_jobs_when_runner_enabled(
    database: TestDatabase, engine: AsyncEngine
) -> None:
    ran = asyncio.Event()

    async def probe(context: JobContext, payload: dict[str, Any]) -> None:
        ran.set()

    registry.handler("tests.lifespan_probe")(probe)
    app = create_app(make_settings(database_url=database.url), engine=engine)
    app.state.job_settings = job_settings(embedded_runner=True, poll_seconds=0.05)
    async with app.router.lifespan_context(app):
        assert app.state.job_runner is not None
        async with transaction(app.state.session_factory) as session:
            await enqueue(session, "tests.lifespan_probe", {})
        await asyncio.wait_for(ran.wait(), timeout=5)
    assert app.state.job_runner is None


async def test_app_has_no_runner_by_default(database: TestDatabase, engine: AsyncEngine) -> None:
    app = create_app(make_settings(database_url=database.url), engine=engine)
    async with app.router.lifespan_context(app):
        assert getattr(app.state, "job_runner", None) is None
    async with create_session_factory(engine)() as session:
        assert (await session.scalars(select(OutboxEntry))).all() == []
