"""Running one attempt of a handler, the same way on both backends: a time limit, logs bound
to the job, a duration metric, and an error text fit for operators.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog

from cuenty.kit.jobs.context import JobContext
from cuenty.kit.jobs.metrics import JobMetrics
from cuenty.kit.jobs.registry import Handler
from cuenty.kit.redaction import redact_text

MAX_ERROR_CHARS = 2000

log = structlog.get_logger("cuenty.jobs")
_stdlib_log = logging.getLogger("cuenty.jobs")


async def run_attempt(
    handler: Handler,
    context: JobContext,
    payload: dict[str, Any],
    *,
    default_timeout: float,
    metrics: JobMetrics | None = None,
    request_id: str | None = None,
) -> Exception | None:
    """Run the handler once; return the exception it raised (or its timeout), else None."""
    timeout = handler.timeout_seconds or default_timeout
    started = time.perf_counter()
    error: Exception | None = None
    # structlog runs its processors (redaction included) even for a level the handler then
    # drops, so the per-job lines are skipped outright when INFO is off.
    verbose = _stdlib_log.isEnabledFor(logging.INFO)
    with _bound_logs(context, request_id):
        if verbose:
            log.debug("job.started", scheduled_for=context.scheduled_for)
        try:
            async with asyncio.timeout(timeout):
                await handler.function(context, payload)
        except TimeoutError:
            error = TimeoutError(f"the job ran longer than its {timeout:g}-second limit")
        except Exception as raised:
            error = raised
        elapsed = time.perf_counter() - started
        if metrics is not None:
            metrics.observe_run(handler.name, elapsed, succeeded=error is None)
        if error is None:
            if verbose:
                log.info("job.succeeded", duration_ms=round(elapsed * 1000, 1))
        else:
            log.warning(
                "job.attempt_failed",
                duration_ms=round(elapsed * 1000, 1),
                error=describe_error(error),
                last_attempt=context.is_last_attempt,
            )
    return error


def describe_error(error: BaseException) -> str:
    """Return `Type: message (file:line)`, redacted and truncated, as stored for operators."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    text = redact_text(f"{type(error).__name__}: {error}{where}")
    return text[:MAX_ERROR_CHARS]


@contextmanager
def _bound_logs(context: JobContext, request_id: str | None) -> Iterator[None]:
    values: dict[str, Any] = {
        "job_id": context.job_id,
        "job": context.name,
        "attempt": context.attempt,
    }
    if request_id:
        values["request_id"] = request_id
    tokens = structlog.contextvars.bind_contextvars(**values)
    try:
        yield
    finally:
        structlog.contextvars.reset_contextvars(**tokens)
