"""Two `cuenty worker` processes on one PostgreSQL database: a cron job runs once per period,
1,000 jobs run once each, and a job whose worker is killed with SIGKILL is run again.

The workers are started here on 127.0.0.1's PostgreSQL and ended by their process ids.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.kit import migrate
from cuenty.kit.db import create_engine, create_session_factory, transaction
from cuenty.kit.jobs import enqueue
from tests.conftest import POSTGRES_URL, _admin_conninfo, _postgres_error, service_missing

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# Written by the handlers of tests/jobs/worker_tasks.py, which only the workers import.
CREATE_RUNS_TABLE = """
CREATE TABLE test_job_runs (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    n bigint,
    attempt integer NOT NULL,
    pid integer NOT NULL,
    job_id bigint NOT NULL
)
"""
WORKER_ENV = {
    "CUENTY_JOBS_TASK_MODULES": "tests.jobs.worker_tasks",
    "CUENTY_JOBS_HEARTBEAT_SECONDS": "0.5",
    "CUENTY_JOBS_STALLED_AFTER_SECONDS": "2",
    "CUENTY_JOBS_POLL_SECONDS": "0.2",
    "CUENTY_JOBS_CONCURRENCY": "4",
    "CUENTY_LOG_LEVEL": "WARNING",
}


@dataclass
class Workers:
    url: str
    engine: AsyncEngine
    processes: dict[int, subprocess.Popen[bytes]]


@pytest.fixture(scope="module")
def worker_database() -> Iterator[str]:
    error = _postgres_error(POSTGRES_URL)
    if error is not None:
        service_missing(f"PostgreSQL is not answering: {error}")
    name = f"cuenty_workers_{uuid.uuid4().hex[:12]}"
    admin = _admin_conninfo(POSTGRES_URL)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
async def workers(
    worker_database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Workers]:
    engine = create_engine(worker_database, pool_size=2)
    await migrate.upgrade(engine)
    async with engine.begin() as connection:
        await connection.execute(text(CREATE_RUNS_TABLE))
    logs = tmp_path_factory.mktemp("worker-logs")
    processes = {}
    for index in (1, 2):
        process = _start_worker(worker_database, f"w{index}", logs)
        processes[process.pid] = process
    try:
        await _wait_for(lambda: _scalar(engine, "SELECT count(*) FROM procrastinate_workers"), 2)
        yield Workers(worker_database, engine, processes)
    finally:
        _stop(processes.values())
        await engine.dispose()


def _start_worker(url: str, name: str, logs: Path) -> subprocess.Popen[bytes]:
    environment = {**os.environ, **WORKER_ENV, "CUENTY_DATABASE_URL": url}
    command = [sys.executable, "-m", "cuenty.cli.main", "worker", "--name", name]
    with (logs / f"{name}.log").open("wb") as output:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )


def _stop(processes: Any) -> None:
    for process in processes:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


async def _scalar(engine: AsyncEngine, query: str) -> Any:
    async with engine.connect() as connection:
        return await connection.scalar(text(query))


async def _wait_for(read: Any, expected: Any, *, seconds: float = 30.0) -> Any:
    """Poll `read()` every 0.2 s until it returns `expected`; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    value = None
    while time.monotonic() < deadline:
        value = await read()
        if value == expected:
            return value
        await asyncio.sleep(0.2)
    pytest.fail(f"still {value!r} after {seconds} s; expected {expected!r}")


async def test_cron_runs_once_per_period(workers: Workers) -> None:
    async def distinct_ticks() -> bool:
        count = await _scalar(
            workers.engine, "SELECT count(DISTINCT n) FROM test_job_runs WHERE kind = 'tick'"
        )
        return count >= 4

    await _wait_for(distinct_ticks, True, seconds=20)

    async with workers.engine.connect() as connection:
        rows = (
            await connection.execute(
                text(
                    "SELECT n, count(*) AS runs FROM test_job_runs WHERE kind = 'tick' "
                    "GROUP BY n ORDER BY n"
                )
            )
        ).all()
    assert all(row.runs == 1 for row in rows), rows
    gaps = {later.n - earlier.n for earlier, later in itertools.pairwise(rows)}
    assert gaps == {2}


async def test_thousand_jobs_run_once_each(workers: Workers) -> None:
    factory = create_session_factory(workers.engine)
    async with transaction(factory) as session:
        for number in range(1000):
            await enqueue(session, "testjobs.record", {"n": number})

    await _wait_for(
        lambda: _scalar(workers.engine, "SELECT count(*) FROM test_job_runs WHERE kind = 'record'"),
        1000,
        seconds=90,
    )

    distinct = await _scalar(
        workers.engine, "SELECT count(DISTINCT n) FROM test_job_runs WHERE kind = 'record'"
    )
    pids = await _scalar(
        workers.engine, "SELECT array_agg(DISTINCT pid) FROM test_job_runs WHERE kind = 'record'"
    )
    assert distinct == 1000
    assert set(pids) <= set(workers.processes)


async def test_killed_worker_job_is_retried(workers: Workers) -> None:
    factory = create_session_factory(workers.engine)
    async with transaction(factory) as session:
        job_id = await enqueue(session, "testjobs.slow", {})
    started = "SELECT pid FROM test_job_runs WHERE kind = 'slow-start' AND attempt = 1"
    await _wait_for(lambda: _has_row(workers.engine, started), True, seconds=20)
    killed = await _scalar(workers.engine, started)
    assert killed in workers.processes

    os.kill(killed, signal.SIGKILL)
    workers.processes[killed].wait(timeout=10)
    finished = "SELECT pid FROM test_job_runs WHERE kind = 'slow-finish'"
    await _wait_for(lambda: _has_row(workers.engine, finished), True, seconds=40)

    assert await _scalar(workers.engine, finished) != killed
    attempts = await _scalar(
        workers.engine,
        "SELECT array_agg(attempt ORDER BY id) FROM test_job_runs WHERE kind = 'slow-start'",
    )
    status = await _scalar(
        workers.engine, f"SELECT status::text FROM procrastinate_jobs WHERE id = {int(job_id or 0)}"
    )
    assert attempts == [1, 2]
    assert status == "succeeded"


async def _has_row(engine: AsyncEngine, query: str) -> bool:
    return await _scalar(engine, query) is not None
