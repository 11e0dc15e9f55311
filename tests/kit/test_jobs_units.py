"""Pieces of the job system that need no database: retry policy, cron helpers, payloads,
handler names and the procrastinate retry adapter.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from procrastinate.jobs import Job

from cuenty.kit.clock import utc_now
from cuenty.kit.jobs import InvalidPayloadError, JobRegistry, RetryPolicy, load_task_modules
from cuenty.kit.jobs.enqueue import normalize_payload
from cuenty.kit.jobs.postgres import PolicyRetryStrategy, libpq_conninfo
from cuenty.kit.jobs.schedule import InvalidCronError, due_runs, next_run, validate_cron


def test_retry_delays_grow_and_cap() -> None:
    policy = RetryPolicy(
        max_attempts=12, base_seconds=60, factor=2, max_delay_seconds=3600, jitter=0
    )
    delays = [policy.delay_after(attempt) for attempt in range(1, 12)]
    minutes = [delay.total_seconds() / 60 for delay in delays if delay is not None]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60]
    assert policy.delay_after(12) is None


def test_retry_jitter_stays_in_range() -> None:
    policy = RetryPolicy(max_attempts=3, base_seconds=100, jitter=0.25)
    rng = random.Random(1)  # noqa: S311
    for _ in range(200):
        delay = policy.delay_after(1, rng)
        assert delay is not None
        assert 75 <= delay.total_seconds() <= 100


@pytest.mark.parametrize(
    "arguments",
    [{"max_attempts": 0}, {"jitter": 1.5}, {"factor": 0.5}, {"base_seconds": -1}],
)
def test_retry_policy_rejects_bad_values(arguments: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**arguments)  # type: ignore[arg-type]


def test_procrastinate_strategy_follows_policy() -> None:
    strategy = PolicyRetryStrategy(RetryPolicy(max_attempts=3, base_seconds=30, jitter=0))
    job = Job(id=1, queue="default", lock=None, queueing_lock=None, task_name="t.x", attempts=1)
    before = utc_now()

    decision = strategy.get_retry_decision(exception=RuntimeError(), job=job)
    exhausted = strategy.get_retry_decision(exception=RuntimeError(), job=job.evolve(attempts=2))

    assert decision is not None
    assert decision.retry_at is not None
    assert decision.retry_at - before >= timedelta(seconds=60)
    assert exhausted is None


def test_next_run_and_six_field_cron() -> None:
    moment = datetime(2026, 12, 7, 10, 0, 7, tzinfo=UTC)
    assert next_run("*/5 * * * *", moment) == datetime(2026, 12, 7, 10, 5, tzinfo=UTC)
    assert next_run("* * * * * */10", moment) == datetime(2026, 12, 7, 10, 0, 10, tzinfo=UTC)


def test_due_runs_skips_runs_older_than_max_delay() -> None:
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    last = now - timedelta(hours=3)
    runs = list(due_runs("0 * * * *", last_run=last, now=now, max_delay=timedelta(minutes=90)))
    assert runs == [now - timedelta(hours=1), now]


@pytest.mark.parametrize("expression", ["", "61 * * * *", "every minute", "* * *"])
def test_invalid_cron_is_rejected(expression: str) -> None:
    with pytest.raises(InvalidCronError):
        validate_cron(expression)


def test_payload_is_normalized_to_json() -> None:
    identifier = uuid.uuid4()
    payload = normalize_payload(
        {
            "order_id": identifier,
            "amount": Decimal("299.00"),
            "at": datetime(2026, 1, 2, tzinfo=UTC),
        }
    )
    assert payload == {
        "order_id": str(identifier),
        "amount": "299.00",
        "at": "2026-01-02T00:00:00+00:00",
    }


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"password": "x"}, "names a secret"),
        ({"user": {"api_key": "x"}}, "user.api_key"),
        ({"blob": object()}, "not JSON-serializable"),
        ({"text": "x" * 70_000}, "exceeds"),
        (["not", "a", "mapping"], "must be a mapping"),
    ],
)
def test_bad_payload_is_rejected(payload: object, message: str) -> None:
    with pytest.raises(InvalidPayloadError, match=message):
        normalize_payload(payload)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["nodot", "Upper.case", "a..b", "a.b-c", "a." + "b" * 130])
def test_invalid_handler_name_is_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="invalid job or event name"):
        JobRegistry().handler(name)


def test_handler_name_registered_twice_is_rejected() -> None:
    jobs = JobRegistry()

    async def first(context: object, payload: object) -> None: ...

    async def second(context: object, payload: object) -> None: ...

    jobs.handler("tests.twice")(first)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="already registered"):
        jobs.handler("tests.twice")(second)  # type: ignore[arg-type]


def test_load_task_modules_finds_package_tasks() -> None:
    modules = load_task_modules()
    assert "cuenty.kit.jobs.maintenance" in modules
    assert "cuenty.webhooks.tasks" in modules


def test_libpq_conninfo_drops_the_driver() -> None:
    url = "postgresql+psycopg://cuenty:p%40ss@db.internal:5432/cuenty"
    assert libpq_conninfo(url) == "postgresql://cuenty:p%40ss@db.internal:5432/cuenty"
