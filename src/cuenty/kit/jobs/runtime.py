"""Starting and stopping the embedded runner from the app's lifespan (SQLite only)."""

from __future__ import annotations

from fastapi import FastAPI

from cuenty.kit.jobs.embedded import EmbeddedRunner
from cuenty.kit.jobs.metrics import JobMetrics
from cuenty.kit.jobs.registry import load_task_modules
from cuenty.kit.jobs.settings import JobSettings


def start_embedded_runner(app: FastAPI) -> EmbeddedRunner | None:
    """Start the runner when the database is SQLite and CUENTY_JOBS_EMBEDDED_RUNNER allows it.

    `app.state.job_settings`, when set before start-up, replaces the environment's settings.
    """
    settings = app.state.settings
    job_settings = getattr(app.state, "job_settings", None) or JobSettings()
    if not (settings.is_sqlite and job_settings.embedded_runner):
        return None
    load_task_modules(extra=job_settings.task_modules)
    # Kept on the app: a registry accepts each metric name once, and a lifespan may restart.
    metrics = getattr(app.state, "job_metrics", None) or JobMetrics(app.state.metrics_registry)
    app.state.job_metrics = metrics
    runner = EmbeddedRunner(
        app.state.session_factory, settings, job_settings=job_settings, metrics=metrics
    )
    runner.start()
    app.state.job_runner = runner
    return runner


async def stop_embedded_runner(app: FastAPI) -> None:
    runner: EmbeddedRunner | None = getattr(app.state, "job_runner", None)
    if runner is not None:
        await runner.stop()
        app.state.job_runner = None
