"""Helpers shared by the job, lock and webhook tests: a settable clock, runners on either
database, and a reset of procrastinate's tables (which the `engine` fixture does not empty).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.kit.clock import utc_now
from cuenty.kit.db import create_session_factory
from cuenty.kit.jobs import JobRegistry
from cuenty.kit.jobs.embedded import EmbeddedRunner
from cuenty.kit.jobs.settings import JobSettings
from cuenty.kit.jobs.worker import drain
from tests.conftest import TestDatabase, make_settings

PROCRASTINATE_TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)


class FakeClock:
    """A clock that moves only when advanced: `clock()` returns the current fake time.

    It starts one second ahead of the real clock, so jobs enqueued on the real clock just
    before are already due.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment


def job_settings(**overrides: Any) -> JobSettings:
    values: dict[str, Any] = {"embedded_runner": False, "poll_seconds": 0.1}
    values.update(overrides)
    return JobSettings(_env_file=None, **values)  # type: ignore[call-arg]


def embedded_runner(
    engine: AsyncEngine,
    registry: JobRegistry,
    clock: Callable[[], datetime] = utc_now,
    *,
    seed: int = 7,
    resources: dict[str, Any] | None = None,
) -> EmbeddedRunner:
    return EmbeddedRunner(
        create_session_factory(engine),
        make_settings(),
        job_settings=job_settings(),
        job_registry=registry,
        clock=clock,
        rng=random.Random(seed),  # noqa: S311 - jitter in tests only needs to be repeatable
        resources=resources,
    )


async def run_jobs(
    database: TestDatabase,
    registry: JobRegistry,
    *,
    resources: dict[str, Any] | None = None,
) -> None:
    """Run every due job on the test's database, on the real clock: the embedded runner on
    SQLite, an in-process procrastinate worker (until nothing is due) on PostgreSQL.
    """
    if database.dialect == "sqlite":
        await embedded_runner(database.engine, registry, resources=resources).run_pending()
        return
    await drain(
        make_settings(database_url=database.url),
        job_settings(),
        job_registry=registry,
        resources=resources,
    )


async def reset_procrastinate(engine: AsyncEngine) -> None:
    if engine.dialect.name != "postgresql":
        return
    async with engine.begin() as connection:
        tables = ", ".join(PROCRASTINATE_TABLES)
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
