"""OFX bank statements (versions 1.x SGML and 2.x XML), read with `ofxtools`.

`OFXTree().parse(...)` then `.convert()` gives Decimal amounts and time-zone-aware datetimes.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time
from typing import Any

from ofxtools.Parser import OFXTree

from cuenty.kit.i18n import N_
from cuenty.payments.statements.model import (
    ParsedStatement,
    StatementFormat,
    StatementFormatError,
    StatementLine,
    direction_of,
    short_problem,
    with_line_keys,
)
from cuenty.payments.statements.text import (
    clabe_or_none,
    find_clabe,
    find_numeric_reference,
    find_tracking_key,
    mexico_city_date,
)


def looks_like_ofx(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096].upper()
    return start.startswith(b"OFXHEADER:") or b"<?OFX " in start or start.startswith(b"<OFX>")


def parse_ofx(data: bytes) -> ParsedStatement:
    tree = OFXTree()
    try:
        tree.parse(io.BytesIO(data))
        ofx = tree.convert()
        statements = list(ofx.statements)
    # ofxtools raises many exception types on a malformed document (its ParseError, ValueError,
    # KeyError, IndexError, AttributeError, TypeError from model validation...), and any of
    # them means the same thing here: the file cannot be read.
    except Exception as error:
        raise StatementFormatError(
            N_("The OFX file cannot be read: {problem}."), params={"problem": short_problem(error)}
        ) from error
    if not statements:
        raise StatementFormatError(N_("The OFX file contains no bank statement (STMTRS)."))

    lines: list[StatementLine] = []
    accounts = {_account_id(statement) for statement in statements}
    for statement in statements:
        account = _account_id(statement)
        for transaction in statement.banktranlist or []:
            lines.append(_to_line(transaction, statement.curdef, account))

    single = len(accounts) == 1
    account = next(iter(accounts)) if single else None
    ledger = getattr(statements[-1], "ledgerbal", None)
    return ParsedStatement(
        format=StatementFormat.OFX,
        lines=with_line_keys(StatementFormat.OFX, lines),
        account_id=account,
        account_clabe=clabe_or_none(account),
        currency=statements[0].curdef if single else None,
        opening_balance=None,  # OFX states only the ledger (closing) and available balances.
        closing_balance=ledger.balamt if single and ledger is not None else None,
    )


def _account_id(statement: Any) -> str | None:
    account = getattr(statement, "account", None)
    return getattr(account, "acctid", None)


def _to_line(transaction: Any, currency: str, account: str | None) -> StatementLine:
    posted = _ofx_date(transaction.dtposted)
    available = transaction.dtavail
    text = " ".join(str(part) for part in (transaction.name, transaction.memo) if part)
    payee = getattr(transaction, "payee", None)
    name = transaction.name or (payee.name if payee is not None else None)
    counter_account = getattr(getattr(transaction, "bankacctto", None), "acctid", None)
    amount = transaction.trnamt
    return StatementLine(
        booking_date=posted,
        value_date=_ofx_date(available) if available else posted,
        amount=amount,
        currency=(transaction.currency.cursym if transaction.currency else None) or currency,
        direction=direction_of(amount),
        description=text or str(transaction.trntype),
        account_id=account,
        counterparty_name=name,
        counterparty_account=clabe_or_none(counter_account) or counter_account or find_clabe(text),
        tracking_key=find_tracking_key(text),
        numeric_reference=find_numeric_reference(text) or transaction.refnum or None,
        bank_reference=transaction.fitid,
    )


def _ofx_date(moment: datetime) -> date:
    """Return the business date of an OFX datetime.

    ofxtools reads a value without a time zone as UTC (the OFX default). A value at exactly
    midnight UTC is a bank's date-only field (such as 20051004), so its own date is kept.
    Converting it to Mexico City would move it to the day before.
    """
    in_utc = moment.astimezone(UTC)
    if in_utc.time() == time.min:
        return in_utc.date()
    return mexico_city_date(moment)
