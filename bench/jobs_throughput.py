"""Job throughput with 1 and 2 `cuenty worker` processes on PostgreSQL, and the latency from
commit to handler start, each beside bare procrastinate measured in the same run.

Run: .venv/bin/python bench/jobs_throughput.py [--jobs 2000] [--samples 200] [--rounds 3]
Needs PostgreSQL on 127.0.0.1:5432 (user postgres); a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.jobs_tasks import STARTS_TABLE, raw_app  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from cuenty.kit import migrate  # noqa: E402
from cuenty.kit.db import create_engine, create_session_factory, transaction  # noqa: E402
from cuenty.kit.jobs import enqueue, publish  # noqa: E402
from cuenty.kit.jobs.postgres import libpq_conninfo  # noqa: E402

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
WORKER_ENV = {"CUENTY_JOBS_TASK_MODULES": "bench.jobs_tasks", "CUENTY_LOG_LEVEL": "WARNING"}


def start_workers(url: str, count: int, raw: bool) -> list[subprocess.Popen[bytes]]:
    if raw:
        command = [sys.executable, __file__, "raw-worker", url]
    else:
        command = [sys.executable, "-m", "cuenty.cli.main", "worker"]
    environment = {**os.environ, **WORKER_ENV, "CUENTY_DATABASE_URL": url}
    return [
        subprocess.Popen(command, cwd=ROOT, env=environment)  # noqa: S603 - our own interpreter
        for _ in range(count)
    ]


def stop_workers(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        os.kill(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


async def scalar(engine: AsyncEngine, query: str, **params: Any) -> Any:
    async with engine.connect() as connection:
        return await connection.scalar(text(query), params)


async def wait_until(check: Callable[[], Awaitable[bool]], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"not done after {seconds} s")


async def reset(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text("TRUNCATE procrastinate_jobs, procrastinate_events, bench_job_starts CASCADE")
        )


async def defer_rate(engine: AsyncEngine, url: str, count: int) -> tuple[float, float]:
    """Jobs per second deferred one per transaction: CUENTY's enqueue, and procrastinate's
    own defer_async on its pool (the ceiling)."""
    factory = create_session_factory(engine)
    started = time.perf_counter()
    for number in range(count):
        async with transaction(factory) as session:
            await enqueue(session, "bench.noop", {"n": number})
    ours = count / (time.perf_counter() - started)
    app = raw_app(libpq_conninfo(url))
    async with app.open_async():
        task = app.tasks["raw.noop"]
        started = time.perf_counter()
        for _ in range(count):
            await task.defer_async()
        raw = count / (time.perf_counter() - started)
    await reset(engine)
    return ours, raw


async def throughput(engine: AsyncEngine, url: str, jobs: int, workers: int, raw: bool) -> float:
    """Jobs per second from the first start to the last success, with the queue pre-filled."""
    app = raw_app(libpq_conninfo(url))
    async with app.open_async():
        if raw:
            await app.tasks["raw.noop"].batch_defer_async(*({} for _ in range(jobs)))
        else:
            await app.configure_task("bench.noop").batch_defer_async(
                *({"payload": {"n": n}} for n in range(jobs))
            )
    name = "raw.noop" if raw else "bench.noop"
    processes = start_workers(url, workers, raw)
    try:
        # Periodic maintenance jobs run too; only the benchmark's own jobs are counted.
        query = (
            "SELECT count(*) FROM procrastinate_jobs "
            "WHERE status = 'succeeded' AND task_name = :name"
        )
        await wait_until(lambda: _equals(scalar(engine, query, name=name), jobs), seconds=300)
    finally:
        stop_workers(processes)
    span = await scalar(
        engine,
        "SELECT extract(epoch FROM max(e.at) FILTER (WHERE e.type = 'succeeded') "
        "- min(e.at) FILTER (WHERE e.type = 'started')) FROM procrastinate_events e "
        "JOIN procrastinate_jobs j ON j.id = e.job_id WHERE j.task_name = :name",
        name=name,
    )
    await reset(engine)
    return jobs / float(span)


async def _equals(value: Awaitable[Any], expected: Any) -> bool:
    return (await value) == expected


async def latency(engine: AsyncEngine, url: str, samples: int, mode: str) -> list[float]:
    """Seconds from commit to handler start, one job at a time on an idle worker."""
    processes = start_workers(url, 1, raw=mode == "raw")
    factory = create_session_factory(engine)
    committed: dict[str, float] = {}
    app = raw_app(libpq_conninfo(url))
    try:
        await asyncio.sleep(3)  # the worker process starts and LISTENs
        async with app.open_async():
            for _ in range(samples):
                key = uuid.uuid4().hex
                await _send(mode, factory, app, key)
                committed[key] = time.time()
                await asyncio.sleep(0.05)
        query = "SELECT count(*) FROM bench_job_starts"
        await wait_until(lambda: _equals(scalar(engine, query), samples), seconds=120)
    finally:
        stop_workers(processes)
    async with engine.connect() as connection:
        rows = (
            await connection.execute(text("SELECT key, started_at FROM bench_job_starts"))
        ).all()
    await reset(engine)
    return [row.started_at - committed[row.key] for row in rows]


async def _send(mode: str, factory: Any, app: Any, key: str) -> None:
    if mode == "raw":
        await app.tasks["raw.stamp"].defer_async(key=key)
        return
    async with transaction(factory) as session:
        if mode == "event":
            await publish(session, "bench.pinged", {"key": key})
        else:
            await enqueue(session, "bench.stamp", {"key": key})


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def main(arguments: argparse.Namespace) -> None:
    name = f"cuenty_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    engine = create_engine(url, pool_size=4)
    try:
        await migrate.upgrade(engine)
        async with engine.begin() as connection:
            await connection.execute(text(STARTS_TABLE))
        await report(engine, url, arguments)
    finally:
        await engine.dispose()
        with psycopg.connect(ADMIN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def report(engine: AsyncEngine, url: str, arguments: argparse.Namespace) -> None:
    rounds = range(arguments.rounds)
    rates = [await defer_rate(engine, url, arguments.defers) for _ in rounds]
    ours = statistics.median(rate[0] for rate in rates)
    raw = statistics.median(rate[1] for rate in rates)
    print("| measurement | CUENTY | bare procrastinate (ceiling) | ratio |")
    print("| --- | ---: | ---: | ---: |")
    print(
        f"| enqueue, one job per transaction | {ours:,.0f} jobs/s | {raw:,.0f} jobs/s "
        f"| {ours / raw:.2f} |"
    )
    for workers in (1, 2):
        raw_rate = statistics.median(
            [await throughput(engine, url, arguments.jobs, workers, raw=True) for _ in rounds]
        )
        our_rate = statistics.median(
            [await throughput(engine, url, arguments.jobs, workers, raw=False) for _ in rounds]
        )
        print(
            f"| run {arguments.jobs} no-op jobs, {workers} worker process(es) "
            f"| {our_rate:,.0f} jobs/s | {raw_rate:,.0f} jobs/s | {our_rate / raw_rate:.2f} |"
        )
    raw_latency = await latency(engine, url, arguments.samples, "raw")
    for mode in ("job", "event"):
        values = await latency(engine, url, arguments.samples, mode)
        for share, label in ((0.5, "p50"), (0.95, "p95")):
            mine, ceiling = percentile(values, share), percentile(raw_latency, share)
            print(
                f"| commit to start ({mode}), {label} | {mine * 1000:,.1f} ms "
                f"| {ceiling * 1000:,.1f} ms | {mine / ceiling:.2f} |"
            )


def run_raw_worker(url: str) -> None:
    """Run bare procrastinate tasks until SIGTERM (the ceiling's worker process)."""
    app = raw_app(libpq_conninfo(url))

    async def work() -> None:
        async with app.open_async():
            await app.run_worker_async(concurrency=4, install_signal_handlers=True)

    asyncio.run(work())


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "raw-worker":
        run_raw_worker(sys.argv[2])
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000, help="Jobs per throughput run.")
    parser.add_argument("--defers", type=int, default=500, help="Jobs per defer-rate run.")
    parser.add_argument("--samples", type=int, default=200, help="Jobs per latency run.")
    parser.add_argument("--rounds", type=int, default=3, help="Runs per rate; the median counts.")
    asyncio.run(main(parser.parse_args()))
