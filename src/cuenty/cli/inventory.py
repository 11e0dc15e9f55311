"""`cuenty keys rotate-credentials`: rotate the data keys of the account inventory."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer

from cuenty.config import get_settings

if TYPE_CHECKING:
    from cuenty.inventory.rotation import RotationResult


def rotate_credentials(
    batch_size: Annotated[
        int, typer.Option(min=1, max=5000, help="Rows re-encrypted per transaction.")
    ] = 200,
) -> None:
    """Create a new data key, re-encrypt every stored credential with it, retire the old keys.

    Prints counts only, never a credential.
    """
    # Every table must be registered, or the accounts' foreign keys cannot be resolved.
    import cuenty.models  # noqa: F401
    from cuenty.inventory.rotation import rotate_credentials as rotate
    from cuenty.kit.db import create_engine, create_session_factory

    settings = get_settings()

    async def run() -> RotationResult:
        engine = create_engine(settings.database_url)
        try:
            return await rotate(
                create_session_factory(engine),
                settings.secret("encryption_key"),
                batch_size=batch_size,
            )
        finally:
            await engine.dispose()

    result = asyncio.run(run())
    typer.echo(
        f"new data key {result.new_key_id}: re-encrypted {result.accounts} account(s) and "
        f"{result.profiles} profile PIN(s); retired {result.retired_keys} old key(s)"
    )
