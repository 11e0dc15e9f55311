"""`cuenty` commands: serve the API, manage the database schema and load demo data."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from cuenty.cli.analytics import analytics_app
from cuenty.cli.compliance import compliance_app
from cuenty.cli.identity import dev_app, keys_app
from cuenty.cli.inventory import rotate_credentials
from cuenty.cli.jobs import jobs_app
from cuenty.cli.payments import reconcile, statements_app
from cuenty.cli.worker import worker
from cuenty.config import get_settings
from cuenty.services import SERVICES, UnknownServiceError, select_services

app = typer.Typer(
    help="CUENTY: subscriptions to digital services, paid by SPEI and CoDi.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data for the embedded mode.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
keys_app.command("rotate-credentials")(rotate_credentials)
app.add_typer(keys_app, name="keys")
app.add_typer(dev_app, name="dev")
app.add_typer(jobs_app, name="jobs")
app.add_typer(compliance_app, name="compliance")
app.add_typer(analytics_app, name="analytics")
app.add_typer(statements_app, name="statements")
app.command("reconcile")(reconcile)
app.command("worker")(worker)


@app.command()
def serve(
    service: Annotated[
        list[str] | None,
        typer.Option(
            help=f"Service to run alone (repeatable): {', '.join(SERVICES)}. "
            "Default: every service in one process."
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int | None, typer.Option(help="TCP port; default 8000, or the service's own port.")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (PostgreSQL only).")] = 1,
) -> None:
    """Serve the API with uvicorn."""
    import uvicorn

    settings = get_settings()
    try:
        select_services(service)
    except UnknownServiceError as error:
        raise typer.BadParameter(str(error), param_hint="--service") from error
    if port is None:
        port = settings.service_port(service[0]) if service and len(service) == 1 else 8000
    if workers > 1 and settings.is_sqlite:
        raise typer.BadParameter(
            "SQLite serves one process; use PostgreSQL for --workers > 1", param_hint="--workers"
        )

    services_arg = ",".join(service) if service else ""
    _print_banner(host, port, services_arg)
    os.environ["CUENTY_SERVE_SERVICES"] = services_arg
    uvicorn.run(
        "cuenty.cli.asgi:build",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        log_config=None,
        access_log=False,
    )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply migrations up to a revision (default: the latest)."""
    from cuenty.kit import migrate

    asyncio.run(_with_engine(lambda engine: migrate.upgrade(engine, revision)))
    typer.echo(f"database at revision {asyncio.run(_with_engine(migrate.current_revision))}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision.")]) -> None:
    """Revert migrations down to a revision ("base" removes every table)."""
    from cuenty.kit import migrate

    asyncio.run(_with_engine(lambda engine: migrate.downgrade(engine, revision)))
    typer.echo(f"database at revision {asyncio.run(_with_engine(migrate.current_revision))}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision and the latest one available."""
    from cuenty.kit import migrate

    current = asyncio.run(_with_engine(migrate.current_revision))
    head = migrate.head_revision()
    state = "up to date" if current == head else "needs `cuenty db upgrade`"
    typer.echo(f"current: {current or 'none'}  head: {head}  ({state})")


@demo_app.command("load")
def demo_load(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Load only when the database has no users.")
    ] = False,
) -> None:
    """Load the demo users (idempotent); refused in production mode."""
    settings = get_settings()
    if settings.is_production:
        typer.echo("demo data is never loaded in production mode (CUENTY_ENVIRONMENT)", err=True)
        raise typer.Exit(1)
    added, password_works = asyncio.run(_load_demo(if_empty))
    if added is None:
        typer.echo("demo data: the database already has users; nothing loaded")
    else:
        typer.echo(f"demo data: {added} user(s) added")
    if password_works:
        typer.echo(
            f"demo admin: {settings.demo_admin_email} / {settings.secret('demo_admin_password')} "
            "(every demo user shares this password)"
        )
    else:
        # The users were loaded earlier with another CUENTY_DEMO_ADMIN_PASSWORD (or the admin
        # changed it): printing the configured value would show a password that fails.
        typer.echo(
            f"demo admin: {settings.demo_admin_email}, with the password set when the demo data "
            "was loaded (the configured CUENTY_DEMO_ADMIN_PASSWORD does not match it)"
        )


async def _load_demo(if_empty: bool) -> tuple[int | None, bool]:
    """Load the demo users; return how many were added (None if skipped) and whether the
    configured demo password signs the admin in."""
    from cuenty.demo import admin_password_matches, database_is_empty, load_demo_data
    from cuenty.demo_commerce import catalog_is_empty, load_demo_catalog, load_demo_stock
    from cuenty.kit.db import create_engine, create_session_factory, transaction

    settings = get_settings()
    engine = create_engine(settings.database_url)
    try:
        async with transaction(create_session_factory(engine)) as session:
            added = None
            if not if_empty or await database_is_empty(session):
                added = await load_demo_data(session, settings)
            elif await catalog_is_empty(session):
                # A database made before the catalog existed gets the demo catalog once.
                await load_demo_catalog(session)
                await load_demo_stock(session, settings.secret("encryption_key"))
            return added, await admin_password_matches(session, settings)
    finally:
        await engine.dispose()


async def _with_engine(action):  # type: ignore[no-untyped-def]
    from cuenty.kit.db import create_engine

    engine = create_engine(get_settings().database_url)
    try:
        return await action(engine)
    finally:
        await engine.dispose()


def _print_banner(host: str, port: int, services: str) -> None:
    base = f"http://{host}:{port}"
    typer.echo(f"CUENTY API on {base} ({services or 'every service'})")
    typer.echo(f"  API docs: {base}/docs (Swagger UI), {base}/redoc (ReDoc)")
    typer.echo(f"  health:   {base}/health, {base}/ready, {base}/metrics")


def run() -> None:
    """Entry point of the `cuenty` command: a database without CUENTY's tables gets one
    clear line instead of a traceback."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    try:
        app()
    except (OperationalError, ProgrammingError) as error:
        message = str(error.orig).lower()
        if "no such table" not in message and "does not exist" not in message:
            raise
        url = make_url(get_settings().database_url).render_as_string(hide_password=True)
        typer.echo(
            f"error: the database {url} has no CUENTY tables; run `cuenty db upgrade`, and "
            "check CUENTY_DATABASE_URL (the default SQLite path is relative to the current "
            "folder)",
            err=True,
        )
        raise SystemExit(1) from None


if __name__ == "__main__":
    run()
