"""Importing a bank statement or an STP deposit list: every line once, in one transaction.

Lines are kept in `bank_statement_lines` under their line key, so importing a file again (or
a longer export that repeats its lines) adds nothing. Credits in pesos become received
transfers for the next reconciliation run; credits in another currency stay statement lines
only. Reversals undo the credit of the deposit they reverse.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.kit import jobs
from cuenty.kit.actor import Actor
from cuenty.kit.clock import MEXICO_CITY
from cuenty.kit.i18n import N_
from cuenty.payments import statements, stp_deposits
from cuenty.payments.errors import field_rejected
from cuenty.payments.models import (
    BankStatementLine,
    ReceivedTransfer,
    StatementImport,
    TransferSource,
    TransferState,
)
from cuenty.payments.reconciliation import mark_returned, receive
from cuenty.payments.statements import Direction, StatementFormat, StatementLine
from cuenty.payments.transfers import (
    STATEMENT_DATE_SLACK,
    IncomingTransfer,
    find_existing,
    may_repeat_another_source,
    normalize_reference,
)

STP_LIST_FORMAT = "stp-recibidas"
RECONCILE_JOB = "payments.reconcile"
BANK_OF_FORMAT = {
    StatementFormat.BBVA_CSV: "bbva",
    StatementFormat.SANTANDER_CSV: "santander",
    StatementFormat.BANORTE_CSV: "banorte",
}
Progress = Callable[[int, int], None]
# Currencies of a credit that may pay an order; "" is a line whose format states none.
# Values of the upload's `bank` field, for a format that does not name its bank.
KNOWN_BANKS = ("stp", "bbva", "santander", "banorte")
PESO_CURRENCIES = frozenset({"MXN", ""})
POSSIBLE_REPEAT = N_("It may repeat a deposit already reported by another source.")


@dataclass
class ImportReport:
    import_id: uuid.UUID
    file_name: str
    format: str
    lines_read: int = 0
    credits: int = 0
    debits: int = 0
    duplicates: int = 0
    returned: int = 0
    new_transfers: int = 0
    # Credits of this file that another source (STP, a bank, another statement) had reported.
    already_reported: int = 0
    # Credits in another currency: kept as statement lines, never turned into transfers.
    foreign_currency: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


async def import_file(
    session: AsyncSession,
    data: bytes,
    file_name: str,
    *,
    actor: Actor,
    now: datetime,
    locale: str = "es-MX",
    bank: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one file; an unreadable file raises StatementFormatError (422) and stores nothing."""
    if bank is not None and bank.lower() not in KNOWN_BANKS:
        raise field_rejected("one_of", "/bank", expected=", ".join(KNOWN_BANKS))
    if stp_deposits.looks_like_list(data):
        return await _import_stp_list(
            session, data, file_name, actor=actor, now=now, progress=progress
        )
    parsed = statements.parse(data, file_name)
    record = _import_record(data, file_name, parsed.format.value, actor, now)
    record.bank = (bank or BANK_OF_FORMAT.get(parsed.format) or "").lower()[:20] or None
    record.account_id = parsed.account_clabe or parsed.account_id
    record.opening_balance = parsed.opening_balance
    record.closing_balance = parsed.closing_balance
    session.add(record)
    await session.flush()
    report = ImportReport(record.id, file_name, parsed.format.value)
    report.rejected = [
        {"line": line.line_number, "reason": line.message(locale)} for line in parsed.rejected
    ]
    total = len(parsed.lines)
    for position, line in enumerate(parsed.lines, start=1):
        await _import_line(session, record, line, report, now)
        if progress is not None:
            progress(position, total)
    _finish(record, report)
    await _queue_reconciliation(session, report)
    return report


async def _import_line(
    session: AsyncSession,
    record: StatementImport,
    line: StatementLine,
    report: ImportReport,
    now: datetime,
) -> None:
    report.lines_read += 1
    is_credit = line.direction is Direction.CREDIT and not line.reversal
    if is_credit:
        report.credits += 1
    else:
        report.debits += 1
    stored_id = await _insert_line(session, record, line)
    if stored_id is None:
        report.duplicates += 1
        return
    if is_credit and (line.currency or "").upper() not in PESO_CURRENCIES:
        report.foreign_currency += 1
    elif is_credit:
        incoming = _incoming(line, now)
        if await may_repeat_another_source(session, incoming):
            incoming = replace(incoming, review_reason=POSSIBLE_REPEAT)
        stored = await receive(session, incoming, tolerance=0, now=now, match=False)
        report.new_transfers += int(stored.created)
        report.already_reported += int(not stored.created)
        await _link(session, stored_id, stored.transfer.id)
    elif line.reversal and line.direction is Direction.DEBIT and line.tracking_key:
        # A reversal booked as a debit takes back a credit. One booked as a credit (camt
        # RvslInd on a CRDT entry, MT940 "RD") gives back a debit, so it undoes no deposit.
        reversed_transfer = await _reversed_deposit(session, line)
        if reversed_transfer is not None:
            await mark_returned(session, reversed_transfer, now=now, reason="statement reversal")
            report.returned += 1
            await _link(session, stored_id, reversed_transfer.id)


async def _import_stp_list(
    session: AsyncSession,
    data: bytes,
    file_name: str,
    *,
    actor: Actor,
    now: datetime,
    progress: Progress | None,
) -> ImportReport:
    try:
        incoming = stp_deposits.from_list(stp_deposits.parse_json(data), now)
    except ValueError:
        raise statements.StatementFormatError() from None
    record = _import_record(data, file_name, STP_LIST_FORMAT, actor, now)
    record.bank = "stp"
    accounts = {transfer.beneficiary_account for transfer in incoming}
    # The list covers one STP account when every entry names the same CLABE.
    record.account_id = accounts.pop() if len(accounts) == 1 else None
    session.add(record)
    await session.flush()
    report = ImportReport(record.id, file_name, STP_LIST_FORMAT)
    for position, transfer in enumerate(incoming, start=1):
        report.lines_read += 1
        report.credits += 1
        known = await find_existing(session, transfer)
        was_returned = known is not None and known.state == TransferState.RETURNED.value
        stored = await receive(session, transfer, tolerance=0, now=now, match=False)
        report.new_transfers += int(stored.created)
        report.duplicates += int(not stored.created)
        # Count a return once: a re-imported list repeats deposits already returned.
        report.returned += int(transfer.returned and not was_returned)
        if progress is not None:
            progress(position, len(incoming))
    _finish(record, report)
    await _queue_reconciliation(session, report)
    return report


def _import_record(
    data: bytes, file_name: str, fmt: str, actor: Actor, now: datetime
) -> StatementImport:
    return StatementImport(
        file_name=file_name[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,
        lines_read=0,
        credits=0,
        debits=0,
        duplicates=0,
        rejected=0,
        actor_type=actor.type,
        actor_id=str(actor.id) if actor.id else None,
        created_at=now,
    )


def _finish(record: StatementImport, report: ImportReport) -> None:
    record.lines_read = report.lines_read
    record.credits = report.credits
    record.debits = report.debits
    record.duplicates = report.duplicates
    record.rejected = len(report.rejected)


async def _queue_reconciliation(session: AsyncSession, report: ImportReport) -> None:
    if report.new_transfers:
        await jobs.enqueue(session, RECONCILE_JOB, {}, dedupe_key="payments-reconcile")


async def _insert_line(
    session: AsyncSession, record: StatementImport, line: StatementLine
) -> uuid.UUID | None:
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return await session.scalar(
        insert(BankStatementLine)
        .values(
            id=uuid.uuid4(),
            line_key=line.line_key,
            import_id=record.id,
            bank=record.bank,
            account_id=(line.account_id or record.account_id or None),
            booking_date=line.booking_date,
            value_date=line.value_date,
            amount=line.amount,
            currency=line.currency[:3],
            description=line.description[:500],
            tracking_key=(line.tracking_key or None) and line.tracking_key[:40],
            numeric_reference=normalize_reference(line.numeric_reference),
            counterparty_account=(line.counterparty_account or None)
            and line.counterparty_account[:34],
            reversal=line.reversal,
            created_at=record.created_at,
        )
        .on_conflict_do_nothing(index_elements=["line_key"])
        .returning(BankStatementLine.id)
    )


async def _link(session: AsyncSession, line_id: uuid.UUID, transfer_id: uuid.UUID) -> None:
    line = await session.get(BankStatementLine, line_id)
    if line is not None:
        line.transfer_id = transfer_id


async def _reversed_deposit(session: AsyncSession, line: StatementLine) -> ReceivedTransfer | None:
    """Find the deposit a reversal line undoes: same tracking key and amount, a near date."""
    return await session.scalar(
        select(ReceivedTransfer)
        .where(
            ReceivedTransfer.tracking_key == line.tracking_key,
            ReceivedTransfer.amount == abs(line.amount),
            ReceivedTransfer.state != TransferState.RETURNED.value,
            ReceivedTransfer.operation_date.between(
                line.booking_date - STATEMENT_DATE_SLACK,
                line.booking_date + STATEMENT_DATE_SLACK,
            ),
        )
        .order_by(ReceivedTransfer.operation_date.desc())
        .limit(1)
    )


def _incoming(line: StatementLine, now: datetime) -> IncomingTransfer:
    return IncomingTransfer(
        source=TransferSource.STATEMENT,
        amount=line.amount,
        operation_date=line.booking_date,
        received_at=min(now, _end_of_day(line.booking_date)),
        tracking_key=line.tracking_key or None,
        numeric_reference=normalize_reference(line.numeric_reference),
        concept=line.description or None,
        sender_name=line.counterparty_name,
        sender_account=line.counterparty_account,
        provider_id=line.bank_reference,
        source_key=f"line|{line.line_key}",
    )


def _end_of_day(day: date) -> datetime:
    """Return the last second of a Mexico City day, in UTC: a booked deposit had arrived by then."""
    local = datetime.combine(day, time(23, 59, 59), tzinfo=MEXICO_CITY)
    return local.astimezone(UTC)
