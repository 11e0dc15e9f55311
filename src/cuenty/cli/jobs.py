"""`cuenty jobs`: periodic schedules with their next run, queue status, retry and cancel."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from cuenty.config import get_settings

jobs_app = typer.Typer(
    help="Background jobs: schedules, status, run now, retry, cancel.", no_args_is_help=True
)


@jobs_app.command("schedule")
def schedule() -> None:
    """List every periodic schedule with its cron expression and next run."""
    from cuenty.kit.clock import to_mexico_city, utc_now
    from cuenty.kit.jobs import load_task_modules, registry
    from cuenty.kit.jobs.schedule import next_run
    from cuenty.kit.jobs.settings import JobSettings

    load_task_modules(extra=JobSettings().task_modules)
    now = utc_now()
    typer.echo(f"{'schedule':36} {'cron (UTC)':18} next run (UTC / Mexico City)")
    for item in sorted(registry.schedules.values(), key=lambda entry: entry.id):
        upcoming = next_run(item.cron, now)
        local = to_mexico_city(upcoming)
        typer.echo(
            f"{item.id:36} {item.cron:18} {upcoming:%Y-%m-%d %H:%M:%S} / {local:%Y-%m-%d %H:%M}"
        )


@jobs_app.command("status")
def status() -> None:
    """Print job counts by state, the oldest waiting job and recent failures."""
    stats, failures = asyncio.run(_read_status())
    typer.echo(f"backend: {stats.backend}")
    typer.echo("counts: " + ", ".join(f"{state} {count}" for state, count in stats.counts.items()))
    typer.echo(f"due and waiting: {stats.ready}; scheduled later: {stats.scheduled}")
    oldest = stats.oldest_waiting_seconds
    typer.echo(f"oldest waiting: {'none' if oldest is None else f'{oldest:.0f} s'}")
    typer.echo(f"events not yet relayed: {stats.events_waiting}")
    for failure in failures:
        typer.echo(f"failed #{failure.id} {failure.name} after {failure.attempts} attempt(s): ")
        typer.echo(f"    {failure.last_error or '(no error recorded)'}")


@jobs_app.command("run")
def run_now(
    name: Annotated[str, typer.Argument(help="Job name, as `cuenty jobs schedule` lists it.")],
    payload: Annotated[str, typer.Option(help="JSON object passed to the job.")] = "{}",
) -> None:
    """Queue a job to run now, for example `analytics.refresh_rollups` or
    `analytics.predictions_daily`; a worker (or `make run`'s runner) executes it."""
    try:
        body = json.loads(payload)
    except json.JSONDecodeError as error:
        typer.echo(f"--payload is not JSON: {error}", err=True)
        raise typer.Exit(2) from error
    if not isinstance(body, dict):
        typer.echo("--payload must be a JSON object", err=True)
        raise typer.Exit(2)
    job_id = asyncio.run(_queue(name, body))
    typer.echo(f"job {job_id} ({name}) queued to run now")


@jobs_app.command("retry")
def retry(job_id: Annotated[int, typer.Argument(help="Id of a failed job.")]) -> None:
    """Run a failed job once more, now."""
    asyncio.run(_change(job_id, "retry"))
    typer.echo(f"job {job_id} queued to run again")


@jobs_app.command("cancel")
def cancel(job_id: Annotated[int, typer.Argument(help="Id of a waiting or failed job.")]) -> None:
    """Cancel a waiting job or dismiss a failed one."""
    asyncio.run(_change(job_id, "cancel"))
    typer.echo(f"job {job_id} cancelled")


async def _read_status():  # type: ignore[no-untyped-def]
    from cuenty.kit.clock import utc_now
    from cuenty.kit.db import create_engine, create_session_factory
    from cuenty.kit.jobs import admin

    engine = create_engine(get_settings().database_url)
    try:
        async with create_session_factory(engine)() as session:
            stats = await admin.queue_stats(session, utc_now())
            return stats, await admin.failed_jobs(session, limit=20)
    finally:
        await engine.dispose()


async def _change(job_id: int, action: str) -> None:
    from cuenty.kit.clock import utc_now
    from cuenty.kit.db import create_engine, create_session_factory, transaction
    from cuenty.kit.jobs import admin

    engine = create_engine(get_settings().database_url)
    try:
        async with transaction(create_session_factory(engine)) as session:
            if action == "retry":
                await admin.retry_job(session, job_id, utc_now())
            else:
                await admin.cancel_job(session, job_id)
    except admin.JobNotFoundError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from error
    except admin.JobStateError as error:
        typer.echo(f"cannot {action} job {job_id}: it is {error.status}", err=True)
        raise typer.Exit(1) from error
    finally:
        await engine.dispose()


async def _queue(name: str, payload: dict[str, object]) -> int | None:
    from cuenty.kit import jobs
    from cuenty.kit.db import create_engine, create_session_factory, transaction
    from cuenty.kit.jobs.settings import JobSettings

    jobs.load_task_modules(extra=JobSettings().task_modules)
    if name not in jobs.registry.handlers:
        known = "`cuenty jobs schedule` lists the periodic ones"
        typer.echo(f"unknown job {name!r}; {known}", err=True)
        raise typer.Exit(2)
    engine = create_engine(get_settings().database_url)
    try:
        async with transaction(create_session_factory(engine)) as session:
            return await jobs.enqueue(session, name, payload)
    finally:
        await engine.dispose()
