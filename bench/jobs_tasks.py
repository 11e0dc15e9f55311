"""Handlers of the job benchmarks, loaded by the worker processes through
CUENTY_JOBS_TASK_MODULES=bench.jobs_tasks, and the bare procrastinate app they are compared with.
"""

from __future__ import annotations

import time
from typing import Any

from procrastinate import App, PsycopgConnector
from sqlalchemy import text

from cuenty.kit.db import transaction
from cuenty.kit.jobs import JobContext, registry

STARTS_TABLE = "CREATE TABLE bench_job_starts (key text PRIMARY KEY, started_at double precision)"
INSERT_START = "INSERT INTO bench_job_starts (key, started_at) VALUES (%s, %s)"


@registry.handler("bench.noop", max_attempts=1)
async def noop(context: JobContext, payload: dict[str, Any]) -> None:
    return None


@registry.handler("bench.stamp", max_attempts=1)
async def stamp(context: JobContext, payload: dict[str, Any]) -> None:
    started = time.time()
    async with transaction(context.session_factory) as session:
        await session.execute(
            text("INSERT INTO bench_job_starts (key, started_at) VALUES (:key, :at)"),
            {"key": payload.get("key") or payload["data"]["key"], "at": started},
        )


registry.subscribe("bench.pinged", "bench.stamp")


def raw_app(conninfo: str) -> App:
    """Build a procrastinate app with bare tasks: the ceiling, without CUENTY's layer."""
    app = App(connector=PsycopgConnector(conninfo=conninfo, min_size=1, max_size=8))

    @app.task(name="raw.noop")
    async def raw_noop() -> None:
        return None

    @app.task(name="raw.stamp", pass_context=True)
    async def raw_stamp(context: Any, key: str) -> None:
        started = time.time()
        async with app.connector.pool.connection() as connection:
            await connection.execute(INSERT_START, (key, started))

    return app
