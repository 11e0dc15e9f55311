"""`cuenty worker`: run background jobs from PostgreSQL until SIGTERM or SIGINT.

Start as many as needed, on as many machines as needed; with SQLite `cuenty serve` runs the
jobs itself.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import typer

from cuenty.config import get_settings


def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(
            min=1, max=100, help="Jobs run at once (default: CUENTY_JOBS_CONCURRENCY, 4)."
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Worker name shown in logs.")] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Serve Prometheus metrics on this TCP port."),
    ] = None,
    metrics_host: Annotated[
        str, typer.Option(help="Address the metrics port listens on.")
    ] = "127.0.0.1",
) -> None:
    """Run background jobs, periodic schedules and the event relay (PostgreSQL only)."""
    from prometheus_client import CollectorRegistry, start_http_server

    from cuenty.analytics.ga4 import metrics as ga4_metrics
    from cuenty.kit.jobs import load_task_modules
    from cuenty.kit.jobs.metrics import JobMetrics
    from cuenty.kit.jobs.settings import JobSettings
    from cuenty.kit.logging import configure_logging

    settings = get_settings()
    if settings.is_sqlite:
        typer.echo(
            "cuenty worker needs PostgreSQL (CUENTY_DATABASE_URL); with SQLite, "
            "`cuenty serve` runs the jobs in its own process",
            err=True,
        )
        raise typer.Exit(2)
    job_settings = JobSettings()
    if concurrency is not None:
        job_settings = job_settings.model_copy(update={"concurrency": concurrency})
    configure_logging(level=settings.log_level, json_logs=settings.json_logs, service="worker")
    modules = load_task_modules(extra=job_settings.task_modules)

    registry = CollectorRegistry(auto_describe=True)
    metrics = JobMetrics(registry)
    registry.register(ga4_metrics.REGISTRY)
    if metrics_port is not None:
        start_http_server(metrics_port, addr=metrics_host, registry=registry)
    typer.echo(
        f"cuenty worker {name or ''} with concurrency {job_settings.concurrency}; "
        f"task modules: {', '.join(modules)}"
    )
    asyncio.run(_run(settings, job_settings, name, metrics))


async def _run(settings: object, job_settings: object, name: str | None, metrics: object) -> None:
    from cuenty.kit.jobs.worker import run_worker

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    await run_worker(settings, job_settings, stop=stop, name=name, metrics=metrics)  # type: ignore[arg-type]
