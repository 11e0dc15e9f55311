"""Common model of a parsed bank statement: its lines, balances, rejected lines and errors.

Every format module returns these types, so the importer and the reconciliation see one shape.
"""

from __future__ import annotations

import enum
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from cuenty.kit.errors import ProblemError
from cuenty.kit.i18n import N_, translate

# The API accepts statement uploads up to 20 MiB; a larger input is refused before parsing.
MAX_STATEMENT_BYTES = 20 * 1024 * 1024


class StatementFormat(enum.StrEnum):
    MT940 = "mt940"
    MT942 = "mt942"
    CAMT053 = "camt.053"
    CAMT054 = "camt.054"
    OFX = "ofx"
    BBVA_CSV = "bbva-mx-csv"
    SANTANDER_CSV = "santander-mx-csv"
    BANORTE_CSV = "banorte-csv"


class Direction(enum.StrEnum):
    CREDIT = "credit"
    DEBIT = "debit"


class StatementFormatError(ProblemError):
    """Raised when a whole file is unknown, empty, truncated or corrupt; nothing of it is usable.

    `detail` is an English message id translated per request; `params` fill it.
    """

    status = 422
    code = "statement_format_invalid"
    title = N_("Statement file not accepted")
    detail = N_("The file is not a bank statement that CUENTY can read.")


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One booked movement of an account, with money as a signed Decimal (credits positive)."""

    booking_date: date
    value_date: date
    amount: Decimal
    currency: str
    direction: Direction
    description: str
    line_key: str = ""
    account_id: str | None = None
    counterparty_name: str | None = None
    counterparty_account: str | None = None
    tracking_key: str | None = None
    numeric_reference: str | None = None
    bank_reference: str | None = None
    reversal: bool = False
    line_number: int | None = None


@dataclass(frozen=True, slots=True)
class RejectedLine:
    """A line of a readable file that could not be turned into a StatementLine."""

    line_number: int
    reason: str
    params: Mapping[str, Any] = field(default_factory=dict)
    text: str = ""

    def message(self, locale: str = "es-MX") -> str:
        """Translate the reason into es-MX or en and fill its placeholders."""
        return translate(locale, self.reason, **self.params)


@dataclass(slots=True)
class ParsedStatement:
    """The readable content of one statement file.

    `account_id`, `currency` and the balances are None when the file does not state them or
    when it covers several accounts.
    """

    format: StatementFormat
    lines: list[StatementLine]
    rejected: list[RejectedLine] = field(default_factory=list)
    account_id: str | None = None
    account_clabe: str | None = None
    currency: str | None = None
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None

    @property
    def credits(self) -> list[StatementLine]:
        return [line for line in self.lines if line.direction is Direction.CREDIT]

    @property
    def debits(self) -> list[StatementLine]:
        return [line for line in self.lines if line.direction is Direction.DEBIT]


def short_problem(error: BaseException) -> str:
    """Return the first line of a library's error, at most 200 characters, for an error detail.

    Library messages may quote the file's content, so only the start is kept.
    """
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:200]


def direction_of(amount: Decimal) -> Direction:
    return Direction.DEBIT if amount < 0 else Direction.CREDIT


def with_line_keys(fmt: StatementFormat, lines: Iterable[StatementLine]) -> list[StatementLine]:
    """Attach a `line_key` to each line: a SHA-256 digest of the fields that identify it.

    The digest covers the format, account, dates, amount, currency, references and
    description, plus the line's occurrence among identical lines of the same file, so two
    equal movements on one day keep distinct keys. The position in the file is left out on
    purpose: an export of a longer period lists the same movement at another position.
    """
    seen: Counter[str] = Counter()
    keyed: list[StatementLine] = []
    for line in lines:
        identity = "\x1f".join(
            str(part or "")
            for part in (
                fmt.value,
                line.account_id,
                line.booking_date.isoformat(),
                line.value_date.isoformat(),
                f"{line.amount:.2f}",
                line.currency,
                line.bank_reference,
                line.tracking_key,
                line.numeric_reference,
                line.counterparty_account,
                " ".join(line.description.split()),
            )
        )
        seen[identity] += 1
        digest = hashlib.sha256(f"{identity}\x1e{seen[identity]}".encode()).hexdigest()
        keyed.append(replace(line, line_key=digest))
    return keyed
