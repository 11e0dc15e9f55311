"""Handlers loaded only by the worker processes that the multi-process tests start (through
CUENTY_JOBS_TASK_MODULES); each run is written to the `test_job_runs` table.

The test process must not import this module: its periodic schedule would join the global
registry.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from sqlalchemy import text

from cuenty.kit.db import transaction
from cuenty.kit.jobs import JobContext, registry

# Long enough that the test kills the worker first; the retry skips the wait.
SLOW_JOB_SECONDS = 60


async def _record(context: JobContext, kind: str, n: int | None) -> None:
    async with transaction(context.session_factory) as session:
        await session.execute(
            text(
                "INSERT INTO test_job_runs (kind, n, attempt, pid, job_id) "
                "VALUES (:kind, :n, :attempt, :pid, :job_id)"
            ),
            {
                "kind": kind,
                "n": n,
                "attempt": context.attempt,
                "pid": os.getpid(),
                "job_id": context.job_id,
            },
        )


@registry.handler("testjobs.record", max_attempts=3)
async def record(context: JobContext, payload: dict[str, Any]) -> None:
    await _record(context, "record", payload["n"])


@registry.handler("testjobs.slow", max_attempts=3, timeout_seconds=SLOW_JOB_SECONDS + 30)
async def slow(context: JobContext, payload: dict[str, Any]) -> None:
    await _record(context, "slow-start", None)
    if context.attempt == 1:
        await asyncio.sleep(SLOW_JOB_SECONDS)
    await _record(context, "slow-finish", None)


@registry.handler("testjobs.tick")
async def tick(context: JobContext, payload: dict[str, Any]) -> None:
    assert context.scheduled_for is not None
    await _record(context, "tick", int(context.scheduled_for.timestamp()))


registry.periodic("testjobs.tick", "* * * * * */2")
