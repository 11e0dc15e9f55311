"""`cuenty compliance`: verify the audit trail's hash chain and replay suppressions."""

from __future__ import annotations

import asyncio

import typer

from cuenty.config import get_settings

compliance_app = typer.Typer(
    help="Privacy compliance: audit-chain verification and suppression replay.",
    no_args_is_help=True,
)


@compliance_app.command("verify-audit")
def verify_audit() -> None:
    """Check every audit trail row against the chain; exit 1 when a row was edited or removed."""
    breaks = asyncio.run(_verify())
    if not breaks:
        typer.echo("audit trail verified: no breaks")
        return
    for item in breaks:
        typer.echo(f"row {item.row_id}: {item.problem}", err=True)
    typer.echo(f"{len(breaks)} problem(s) found in the audit trail", err=True)
    raise typer.Exit(1)


@compliance_app.command("replay-suppressions")
def replay_suppressions() -> None:
    """Suppress again every category recorded as suppressed, for use after a database restore
    brought back data that had been suppressed. Suppression handlers are idempotent."""
    count = asyncio.run(_replay())
    typer.echo(f"replayed {count} suppression(s)")


async def _verify():  # type: ignore[no-untyped-def]
    from cuenty.compliance import trail
    from cuenty.kit.db import create_engine, create_session_factory

    settings = get_settings()
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            return await trail.verify(session, settings.secret("secret_key"))
    finally:
        await engine.dispose()


async def _replay() -> int:
    from sqlalchemy import select

    from cuenty.compliance import registry
    from cuenty.compliance.models import DataBlock
    from cuenty.kit.db import create_engine, create_session_factory, transaction

    engine = create_engine(get_settings().database_url)
    try:
        async with transaction(create_session_factory(engine)) as session:
            blocks = list(
                await session.scalars(select(DataBlock).where(DataBlock.suppressed_at.is_not(None)))
            )
            for block in blocks:
                await registry.category(block.category).source.suppress(session, block.user_id)
        return len(blocks)
    finally:
        await engine.dispose()
