"""`cuenty statements import FILE` and `cuenty reconcile`: the payments work of operations."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer

from cuenty.config import get_settings

statements_app = typer.Typer(help="Bank statements and STP deposit lists.", no_args_is_help=True)


@statements_app.command("import")
def import_statement(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    bank: Annotated[str | None, typer.Option(help="Bank code when the format does not say")] = None,
) -> None:
    """Import a statement (MT940/MT942, camt.053/054, OFX, BBVA/Santander/Banorte CSV) or an
    STP list of received orders; print the report as JSON. Importing a file again adds
    nothing."""
    from cuenty.payments.statements import MAX_STATEMENT_BYTES

    if file.stat().st_size > MAX_STATEMENT_BYTES:
        typer.echo(f"{file}: larger than {MAX_STATEMENT_BYTES} bytes", err=True)
        raise typer.Exit(2)
    report = asyncio.run(_import(file.name, file.read_bytes(), bank))
    typer.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))


def reconcile() -> None:
    """Match every received transfer still waiting, as the 15-minute job does."""
    report = asyncio.run(_reconcile())
    typer.echo(json.dumps(report, indent=2))


async def _import(name: str, data: bytes, bank: str | None) -> dict[str, object]:

    from rich.progress import Progress

    from cuenty.kit.actor import Actor
    from cuenty.kit.clock import utc_now
    from cuenty.kit.db import create_engine, create_session_factory, transaction
    from cuenty.kit.errors import ProblemError
    from cuenty.kit.i18n import translate
    from cuenty.payments.importer import import_file
    from cuenty.payments.schemas import ImportOut

    settings = get_settings()
    engine = create_engine(settings.database_url)
    try:
        with Progress(transient=True) as progress:
            task = progress.add_task(name, total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            async with transaction(create_session_factory(engine)) as session:
                report = await import_file(
                    session,
                    data,
                    name,
                    actor=Actor.system(),
                    now=utc_now(),
                    locale=settings.default_locale,
                    bank=bank,
                    progress=advance,
                )
        return ImportOut.model_validate(report).model_dump(mode="json", by_alias=True)
    except ProblemError as error:
        typer.echo(
            f"{name}: {translate(settings.default_locale, error.detail_message, **error.params)}",
            err=True,
        )
        raise typer.Exit(1) from None
    finally:
        await engine.dispose()


async def _reconcile() -> dict[str, object]:

    from cuenty.kit.clock import utc_now
    from cuenty.kit.db import create_engine, create_session_factory
    from cuenty.payments import reconciliation
    from cuenty.payments.schemas import RunOut
    from cuenty.payments.settings import PaymentSettings

    settings = get_settings()
    engine = create_engine(settings.database_url)
    try:
        report = await reconciliation.run_batches(
            create_session_factory(engine),
            tolerance=PaymentSettings().amount_tolerance,
            now=utc_now(),
        )
        return RunOut(
            message="Reconciliation completed",
            total=report.total,
            reconciled=report.reconciled,
            review=report.review,
            by_rule=report.by_rule,
            skipped=report.skipped,
        ).model_dump(mode="json", by_alias=True, exclude={"message"})
    finally:
        await engine.dispose()
