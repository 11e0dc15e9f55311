"""Reader shared by the CSV/TXT exports of Mexican banks: header detection, delimiter, columns.

Each bank module declares a `CsvLayout`: which header names it uses and what each column means.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from cuenty.kit.i18n import N_
from cuenty.payments.statements.model import (
    ParsedStatement,
    RejectedLine,
    StatementFormat,
    StatementFormatError,
    StatementLine,
    direction_of,
    with_line_keys,
)
from cuenty.payments.statements.text import (
    InvalidField,
    clabe_or_none,
    find_clabe,
    find_numeric_reference,
    find_payer_name,
    find_tracking_key,
    fold,
    parse_mexican_date,
    parse_optional_amount,
)

DELIMITERS = (",", ";", "\t", "|")
# Exports may start with a few lines of account data before the column header.
HEADER_SEARCH_LINES = 15
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """Column header names of one bank export, folded (upper case, no accents), by meaning.

    A layout has either `debit` and `credit` columns or a `sign` column ("+"/"-") with an
    unsigned `amount` column.
    """

    format: StatementFormat
    booking_date: str
    description: tuple[str, ...]
    value_date: str | None = None
    debit: str | None = None
    credit: str | None = None
    amount: str | None = None
    sign: str | None = None
    balance: str | None = None
    reference: str | None = None
    account: str | None = None
    # Whether a `reference` of at most 7 digits is the SPEI referencia numérica.
    reference_is_numeric: bool = False
    currency: str = "MXN"

    def required(self) -> set[str]:
        names = {
            self.booking_date,
            *self.description,
            self.value_date,
            self.debit,
            self.credit,
            self.amount,
            self.sign,
            self.balance,
            self.reference,
            self.account,
        }
        return {name for name in names if name}


@dataclass(frozen=True, slots=True)
class _Match:
    layout: CsvLayout
    delimiter: str
    header_row: int


def header_name(cell: str) -> str:
    return _SPACES.sub(" ", fold(cell).strip().strip('"').strip())


def find_layout(text: str, layouts: tuple[CsvLayout, ...]) -> _Match | None:
    """Return the layout whose header appears in the first rows of the text, if any.

    The rows are read with the same CSV reader as the movements, so the header's row index
    means the same thing in both passes.
    """
    head = text[:20000]
    for delimiter in DELIMITERS:
        if delimiter not in head:
            continue
        rows = itertools.islice(_rows(head, delimiter), HEADER_SEARCH_LINES)
        for index, (_, row) in enumerate(rows):
            names = {header_name(cell) for cell in row}
            for layout in layouts:
                if layout.required() <= names:
                    return _Match(layout, delimiter, index)
    return None


def parse_bank_csv(text: str, match: _Match) -> ParsedStatement:
    layout = match.layout
    lines: list[StatementLine] = []
    rejected: list[RejectedLine] = []
    rows = _rows(text, match.delimiter)
    header: list[str] = []
    for index, (line_number, row) in enumerate(rows):
        if index == match.header_row:
            header = [header_name(cell) for cell in row]
            _check_header(layout, header)
            continue
        if index < match.header_row or not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            rejected.append(
                RejectedLine(
                    line_number=line_number,
                    reason=N_("The line has {found} columns but the header has {expected}."),
                    params={"found": len(row), "expected": len(header)},
                    text=match.delimiter.join(row),
                )
            )
            continue
        try:
            lines.append(_to_line(layout, dict(zip(header, row, strict=True)), line_number))
        except InvalidField as error:
            rejected.append(
                RejectedLine(
                    line_number=line_number,
                    reason=error.reason,
                    params=error.params,
                    text=match.delimiter.join(row),
                )
            )
    accounts = {line.account_id for line in lines}
    account = next(iter(accounts)) if len(accounts) == 1 else None
    return ParsedStatement(
        format=layout.format,
        lines=with_line_keys(layout.format, lines),
        rejected=rejected,
        account_id=account,
        account_clabe=clabe_or_none(account),
        currency=layout.currency,
    )


def _check_header(layout: CsvLayout, header: list[str]) -> None:
    missing = sorted(layout.required() - set(header))
    if missing:
        raise StatementFormatError(
            N_("The {format} export lacks the columns {columns}."),
            params={"format": layout.format.value, "columns": ", ".join(missing)},
        )


def _rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error:
        # An unterminated quote swallows the rest of the file; what was read before stays.
        return


def _to_line(layout: CsvLayout, cells: dict[str, str], line_number: int) -> StatementLine:
    booking = parse_mexican_date(cells[layout.booking_date])
    value = parse_mexican_date(cells[layout.value_date]) if layout.value_date else booking
    amount = _signed_amount(layout, cells)
    description = " ".join(
        " ".join(cells[name].split()) for name in layout.description if cells[name].strip()
    )
    reference = cells[layout.reference].strip().lstrip("'") if layout.reference else ""
    numeric_reference = find_numeric_reference(description)
    if (
        numeric_reference is None
        and layout.reference_is_numeric
        and reference.isdigit()
        and len(reference) <= 7
        and int(reference) > 0
    ):
        numeric_reference = reference
    account = cells[layout.account].strip().lstrip("'") if layout.account else None
    return StatementLine(
        booking_date=booking,
        value_date=value,
        amount=amount,
        currency=layout.currency,
        direction=direction_of(amount),
        description=description,
        account_id=account or None,
        counterparty_name=find_payer_name(description),
        counterparty_account=find_clabe(description),
        tracking_key=find_tracking_key(description),
        numeric_reference=numeric_reference,
        bank_reference=reference or None,
        line_number=line_number,
    )


def _signed_amount(layout: CsvLayout, cells: dict[str, str]) -> Decimal:
    if layout.sign and layout.amount:
        amount = _positive(cells[layout.amount])
        sign = cells[layout.sign].strip()
        if sign not in ("+", "-"):
            raise InvalidField(
                N_("Invalid sign {value}: expected + (credit) or - (debit)."), value=sign
            )
        return -amount if sign == "-" else amount
    debit = _optional_positive(cells[layout.debit]) if layout.debit else None
    credit = _optional_positive(cells[layout.credit]) if layout.credit else None
    if debit and credit:
        raise InvalidField(N_("The line has both a debit and a credit amount."))
    if not debit and not credit:
        raise InvalidField(N_("The line has neither a debit nor a credit amount."))
    return credit if credit else -debit  # type: ignore[operator]


def _optional_positive(text: str) -> Decimal | None:
    amount = parse_optional_amount(text)
    if amount is not None and amount < 0:
        raise InvalidField(
            N_("Invalid amount {value}: the debit and credit columns must hold a positive number."),
            value=text,
        )
    return amount


def _positive(text: str) -> Decimal:
    amount = parse_optional_amount(text)
    if amount is None or amount <= 0:
        raise InvalidField(
            N_("Invalid amount {value}: expected a positive number such as $5,127.17."), value=text
        )
    return amount
