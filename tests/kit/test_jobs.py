"""Jobs: enqueue in the caller's transaction, exactly-once runs, retries, ordering, events and
queue administration, on SQLite (embedded runner) and PostgreSQL (procrastinate).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.identity.models import User
from cuenty.kit.clock import utc_now
from cuenty.kit.db import create_session_factory, transaction
from cuenty.kit.jobs import (
    JobContext,
    JobRegistry,
    RetryPolicy,
    admin,
    enqueue,
    enqueue_many,
    publish,
)
from tests.conftest import TestDatabase
from tests.jobs.support import FakeClock, reset_procrastinate, run_jobs

IMMEDIATE_RETRY = RetryPolicy(max_attempts=3, base_seconds=0, jitter=0)


class Recorder:
    """A handler that records each call and first fails the number of times set per key."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any], int]] = []
        self.failures_left: dict[str, int] = {}

    async def __call__(self, context: JobContext, payload: dict[str, Any]) -> None:
        self.calls.append((context.name, payload, context.attempt))
        key = str(payload.get("key", context.name))
        if self.failures_left.get(key, 0) > 0:
            self.failures_left[key] -= 1
            raise RuntimeError(f"planned failure of {key}")

    def payloads(self, name: str) -> list[dict[str, Any]]:
        return [payload for called, payload, _ in self.calls if called == name]


@pytest.fixture
async def queue_db(database: TestDatabase, engine: AsyncEngine) -> AsyncIterator[TestDatabase]:
    await reset_procrastinate(engine)
    yield database
    await reset_procrastinate(engine)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def registry(recorder: Recorder) -> JobRegistry:
    jobs = JobRegistry()
    jobs.handler("tests.record", retry=IMMEDIATE_RETRY)(recorder)
    jobs.handler("tests.other")(recorder)
    return jobs


async def test_rolled_back_enqueue_never_runs(
    queue_db: TestDatabase, registry: JobRegistry, recorder: Recorder
) -> None:
    factory = create_session_factory(queue_db.engine)
    with pytest.raises(RuntimeError, match="business rule"):
        async with transaction(factory) as session:
            await enqueue(session, "tests.record", {"n": 1})
            raise RuntimeError("business rule failed after the enqueue")
    async with transaction(factory) as session:
        await enqueue(session, "tests.record", {"n": 2})

    await run_jobs(queue_db, registry)
    await run_jobs(queue_db, registry)

    assert recorder.payloads("tests.record") == [{"n": 2}]


async def test_job_commits_with_business_row(
    queue_db: TestDatabase, registry: JobRegistry, recorder: Recorder
) -> None:
    factory = create_session_factory(queue_db.engine)
    with pytest.raises(RuntimeError):
        async with transaction(factory) as session:
            session.add(User(email="rollback@example.com", name="Rollback", role="customer"))
            await session.flush()
            await enqueue(session, "tests.record", {"email": "rollback@example.com"})
            raise RuntimeError("rolled back")
    async with transaction(factory) as session:
        user = User(email="commit@example.com", name="Commit", role="customer")
        session.add(user)
        await session.flush()
        await enqueue(session, "tests.record", {"user_id": user.id})

    await run_jobs(queue_db, registry)

    async with factory() as session:
        users = await session.scalar(select(func.count()).select_from(User))
    assert users == 1
    assert recorder.payloads("tests.record") == [{"user_id": str(user.id)}]


async def test_two_hundred_jobs_run_once(
    queue_db: TestDatabase, registry: JobRegistry, recorder: Recorder
) -> None:
    factory = create_session_factory(queue_db.engine)
    async with transaction(factory) as session:
        for number in range(200):
            await enqueue(session, "tests.record", {"n": number})

    await run_jobs(queue_db, registry)

    numbers = [payload["n"] for payload in recorder.payloads("tests.record")]
    assert sorted(numbers) == list(range(200))


async def test_dedupe_key_skips_waiting_duplicate(
    queue_db: TestDatabase, registry: JobRegistry, recorder: Recorder
) -> None:
    factory = create_session_factory(queue_db.engine)
    async with transaction(factory) as session:
        first = await enqueue(session, "tests.record", {"n": 1}, dedupe_key="refresh")
        same_transaction = await enqueue(session, "tests.record", {"n": 2}, dedupe_key="refresh")
        other_key = await enqueue(session, "tests.record", {"n": 3}, dedupe_key="other")
    async with transaction(factory) as session:
        later = await enqueue(session, "tests.record", {"n": 4}, dedupe_key="refresh")

    await run_jobs(queue_db, registry)
    async with transaction(factory) as session:
        after_run = await enqueue(session, "tests.record", {"n": 5}, dedupe_key="refresh")

    assert first is not None
    assert same_transaction is None
    assert other_key is not None
    assert later is None
    assert after_run is not None
    assert sorted(p["n"] for p in recorder.payloads("tests.record")) == [1, 3]


async def test_jobs_added_together_each_run_once(
    queue_db: TestDatabase, registry: JobRegistry, recorder: Recorder
) -> None:
    factory = create_session_factory(queue_db.engine)
    async with transaction(factory) as session:
        items = [({"n": number}, f"batch-{number}") for number in range(50)]
        await enqueue_many(session, "tests.record", items)

    await run_jobs(queue_db, registry)

    numbers = [payload["n"] for payload in recorder.payloads("tests.record")]
    assert sorted(numbers) == list(range(50))


async def test_jobs_added_together_skip_a_waiting_key(
    queue_db: TestDatabase, registry: JobRegistry, recorder: Recorder
) -> None:
    factory = create_session_factory(queue_db.engine)
    async with transaction(factory) as session:
        await enqueue(session, "tests.record", {"n": 1}, dedupe_key="taken")
    async with transaction(factory) as session:
        await enqueue_many(session, "tests.record", [({"n": 2}, "taken"), ({"n": 3}, "free")])

    await run_jobs(queue_db, registry)

    assert sorted(p["n"] for p in recorder.payloads("tests.record")) == [1, 3]


async def test_failing_job_is_retried_then_failed(
    queue_db: TestDatabase, registry: JobRegistry, recorder: Recorder
) -> None:
    recorder.failures_left["always"] = 99
    factory = create_session_factory(queue_db.engine)
    async with transaction(factory) as session:
        job_id = await enqueue(session, "tests.record", {"key": "always"})

    await run_jobs(queue_db, registry)

    assert [attempt for _, _, attempt in recorder.calls] == [1, 2, 3]
    async with factory() as session:
        failures = await admin.failed_jobs(session)
    assert [failure.id for failure in failures] == [job_id]
    assert failures[0].attempts == 3
    assert "planned failure of always" in (failures[0].last_error or "")


async def test_retry_and_cancel_from_admin(
    queue_db: TestDatabase, registry: JobRegistry, recorder: Recorder
) -> None:
    recorder.failures_left["flaky"] = 3
    factory = create_session_factory(queue_db.engine)
    async with transaction(factory) as session:
        failing = await enqueue(session, "tests.record", {"key": "flaky"})
        later = await enqueue(session, "tests.other", {"n": 1}, run_at=utc_now() + _hours(2))
    await run_jobs(queue_db, registry)
    assert failing is not None
    assert later is not None

    async with transaction(factory) as session:
        await admin.retry_job(session, failing, utc_now())
        await admin.cancel_job(session, later)
    await run_jobs(queue_db, registry)

    async with factory() as session:
        stats = await admin.queue_stats(session, utc_now())
        with pytest.raises(admin.JobStateError):
            await admin.retry_job(session, failing, utc_now())
        with pytest.raises(admin.JobNotFoundError):
            await admin.cancel_job(session, 987654)
    assert recorder.payloads("tests.record")[-1] == {"key": "flaky"}
    assert recorder.payloads("tests.other") == []
    assert stats.counts["succeeded"] == 1
    assert stats.counts["cancelled"] == 1
    assert stats.counts["failed"] == 0


async def test_queue_stats_count_due_and_scheduled(
    queue_db: TestDatabase, registry: JobRegistry
) -> None:
    clock = FakeClock()
    factory = create_session_factory(queue_db.engine)
    async with transaction(factory) as session:
        await enqueue(session, "tests.record", {"n": 1}, now=clock)
        await enqueue(session, "tests.record", {"n": 2}, now=clock)
        await enqueue(session, "tests.record", {"n": 3}, run_at=clock() + _hours(1), now=clock)
        await publish(session, "tests.nobody_listens", {"n": 4}, now=clock)
    clock.advance(seconds=30)

    async with factory() as session:
        stats = await admin.queue_stats(session, clock())

    assert stats.counts["todo"] == 3
    assert stats.ready == 2
    assert stats.scheduled == 1
    assert stats.events_waiting == 1
    assert stats.oldest_waiting_seconds is not None
    assert stats.oldest_waiting_seconds >= 0


async def test_event_reaches_each_subscriber_once(
    queue_db: TestDatabase, registry: JobRegistry, recorder: Recorder
) -> None:
    registry.subscribe("tests.order_paid", "tests.record")
    registry.subscribe("tests.order_paid", "tests.other", ordered=True)
    factory = create_session_factory(queue_db.engine)
    with pytest.raises(RuntimeError):
        async with transaction(factory) as session:
            await publish(session, "tests.order_paid", {"order_id": "rolled-back"})
            raise RuntimeError("rolled back")
    order_id = uuid.uuid4()
    async with transaction(factory) as session:
        event_id = await publish(session, "tests.order_paid", {"order_id": order_id})

    await run_jobs(queue_db, registry)
    await run_jobs(queue_db, registry)

    for name in ("tests.record", "tests.other"):
        payloads = recorder.payloads(name)
        assert len(payloads) == 1, name
        assert payloads[0]["event_id"] == event_id
        assert payloads[0]["event_type"] == "tests.order_paid"
        assert payloads[0]["data"] == {"order_id": str(order_id)}


async def test_ordering_key_keeps_order_through_retries(
    queue_db: TestDatabase, registry: JobRegistry, recorder: Recorder
) -> None:
    recorder.failures_left["first"] = 1
    factory = create_session_factory(queue_db.engine)
    async with transaction(factory) as session:
        for key in ("first", "second", "third"):
            await enqueue(session, "tests.record", {"key": key}, ordering_key="endpoint-1")

    await run_jobs(queue_db, registry)

    order = [payload["key"] for payload in recorder.payloads("tests.record")]
    assert order == ["first", "first", "second", "third"]


def _hours(count: int) -> Any:
    from datetime import timedelta

    return timedelta(hours=count)
