"""`cuenty keys` (JWT signing keys) and `cuenty dev outbox` (development messages)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.config import get_settings

keys_app = typer.Typer(
    help="Signing keys of access tokens (JWKS) and data keys of stored credentials.",
    no_args_is_help=True,
)
dev_app = typer.Typer(
    help="Development helpers; rejected in production mode.", no_args_is_help=True
)


@keys_app.command("list")
def list_keys() -> None:
    """Print every signing key with its state; the newest active key signs."""
    from cuenty.identity.models import SigningKey

    async def run() -> list[SigningKey]:
        async with _session() as session:
            return list(
                (await session.scalars(select(SigningKey).order_by(SigningKey.created_at))).all()
            )

    for key in asyncio.run(run()):
        state = f"retired {key.retired_at:%Y-%m-%d %H:%M}" if key.retired_at else "active"
        typer.echo(f"{key.kid}  created {key.created_at:%Y-%m-%d %H:%M} UTC  {state}")


@keys_app.command("rotate")
def rotate_key() -> None:
    """Add a new signing key; tokens signed with older keys keep verifying until retired."""
    from cuenty.identity.tokens import rotate_signing_key

    async def run() -> str:
        async with _session() as session, session.begin():
            return (await rotate_signing_key(session, get_settings())).kid

    typer.echo(
        f"new signing key {asyncio.run(run())}; it signs from now on, and every process "
        "picks it up within 5 minutes (30 seconds where keys are read from the database)"
    )


@keys_app.command("retire")
def retire_key(kid: Annotated[str, typer.Argument(help="Key id (kid) to retire.")]) -> None:
    """Remove a key from the JWKS; tokens it signed stop verifying once caches reload."""
    from cuenty.identity.tokens import retire_signing_key

    async def run() -> bool:
        async with _session() as session, session.begin():
            return await retire_signing_key(session, kid)

    if not asyncio.run(run()):
        typer.echo(f"no active signing key has the kid {kid}; see `cuenty keys list`", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"signing key {kid} retired; tokens it signed stop verifying within 5 minutes "
        "(30 seconds where keys are read from the database)"
    )


@dev_app.command("outbox")
def outbox(
    recipient: Annotated[
        str | None, typer.Option(help="Only messages to this phone (E.164) or email.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many recent messages.")] = 10,
) -> None:
    """Show the codes the development delivery recorded instead of sending them."""
    settings = get_settings()
    if settings.is_production:
        typer.echo("the development outbox is not available in production mode", err=True)
        raise typer.Exit(1)
    from cuenty.identity.delivery import read_outbox

    async def run() -> list[tuple[object, str | None]]:
        async with _session() as session:
            return await read_outbox(  # type: ignore[return-value]
                session, settings.secret("encryption_key"), recipient=recipient, limit=limit
            )

    if recipient is not None and "@" not in recipient:
        from cuenty.mexico.phones import InvalidPhoneNumber, normalize_phone

        try:
            recipient = normalize_phone(recipient)
        except InvalidPhoneNumber as error:
            raise typer.BadParameter(str(error), param_hint="--recipient") from error
    messages = asyncio.run(run())
    if not messages:
        typer.echo(
            "no messages in the development outbox" + (f" for {recipient}" if recipient else "")
        )
    for message, code in messages:
        typer.echo(
            f"{message.created_at:%Y-%m-%d %H:%M:%S} UTC  {message.channel:8} "  # type: ignore[attr-defined]
            f"{message.recipient}  {message.purpose}  code {code}"  # type: ignore[attr-defined]
        )


@asynccontextmanager
async def _session() -> AsyncIterator[AsyncSession]:
    """Open a session on a short-lived engine for one command."""
    from cuenty.kit.db import create_engine, create_session_factory

    engine = create_engine(get_settings().database_url)
    try:
        async with create_session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()
