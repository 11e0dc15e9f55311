"""SWIFT MT940 (end-of-day statement) and MT942 (intraday report) files, read with `mt-940`.

`mt940.parse` keeps only the last statement's balances when a file contains several, so the file
is split at each `:20:` and every statement is parsed on its own.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import mt940
from mt940.options import Options

from cuenty.kit.i18n import N_
from cuenty.payments.statements.model import (
    ParsedStatement,
    RejectedLine,
    StatementFormat,
    StatementFormatError,
    StatementLine,
    direction_of,
    short_problem,
    with_line_keys,
)
from cuenty.payments.statements.text import (
    clabe_or_none,
    decode_text,
    find_clabe,
    find_numeric_reference,
    find_payer_name,
    find_tracking_key,
)

# Options of mt-940 5.x that fix known misreadings: a reversal of a credit ("RC") is a debit,
# lowercase marks sign the amount, long :86: details are kept whole and a leading BOM is dropped.
PARSER_OPTIONS = Options(
    reversal_sign=True,
    case_insensitive_marks=True,
    unbounded_details=True,
    merge_keeps_values=True,
    strip_bom=True,
    timezone_offset=True,
    floor_limit_blank_mark=True,
)
# mt-940 logs every tag that fails its pattern at ERROR level together with the tag's text,
# which contains names and account numbers. Rejections are reported through RejectedLine and
# StatementFormatError instead, so the library's own log lines are silenced.
logging.getLogger("mt940").setLevel(logging.CRITICAL)
_TAG_LINE = re.compile(r"^:(\d{2}[A-Z]?):")
# The SWIFT envelope around block 4: "{1:...}{2:O940...}{3:...}{4:" before and "-}" after.
_BLOCK_HEADER = re.compile(r"^\{1:[^}]*\}(?:\{2:[^}]*\})?(?:\{3:(?:\{[^}]*\})*\})?\{4:")
_BLOCK_TRAILER = re.compile(r"^-\}")


@dataclass(slots=True)
class _Chunk:
    """One statement of the file: its lines and the file line number of each."""

    lines: list[str]
    numbers: list[int]


def looks_like_swift(text: str) -> StatementFormat | None:
    """Return MT940 or MT942 when the text has the tags of one, else None."""
    head = text[:20000]
    if re.search(r"\{2:[IO]942", head):
        return StatementFormat.MT942
    if re.search(r"\{2:[IO]940", head):
        return StatementFormat.MT940
    tags = set(re.findall(r"(?m)^:(\d{2}[A-Z]?):", head))
    if "20" not in tags or "25" not in tags:
        return None
    if tags & {"60F", "60M", "62F", "62M"}:
        return StatementFormat.MT940
    if tags & {"34F", "13D", "13"}:
        return StatementFormat.MT942
    return None


def parse_swift(data: bytes, fmt: StatementFormat) -> ParsedStatement:
    text = decode_text(data)
    chunks = _split_statements(text)
    if not chunks:
        raise StatementFormatError(
            N_("The {format} file contains no statement (no :20: tag)."),
            params={"format": fmt.value.upper()},
        )
    lines: list[StatementLine] = []
    rejected: list[RejectedLine] = []
    summaries: list[dict[str, Any]] = []
    for chunk in chunks:
        transactions = _parse_chunk(chunk, fmt, rejected)
        summaries.append(transactions.data)
        lines.extend(_to_line(transaction.data, transactions.data) for transaction in transactions)
    return _statement(fmt, with_line_keys(fmt, lines), rejected, summaries)


def _split_statements(text: str) -> list[_Chunk]:
    chunks: list[_Chunk] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _BLOCK_HEADER.sub("", raw.rstrip("\r"))
        if _BLOCK_TRAILER.match(line) or line.strip() == "-":
            continue
        if line.startswith(":20:"):
            chunks.append(_Chunk([], []))
        if chunks:
            chunks[-1].lines.append(line)
            chunks[-1].numbers.append(number)
    return chunks


def _parse_chunk(chunk: _Chunk, fmt: StatementFormat, rejected: list[RejectedLine]) -> Any:
    # A :61: movement that fails the standard pattern is tried again with the ASN Bank pattern
    # that mt-940 ships (an IBAN in the customer reference, details on a second line). When
    # that fails too, the movement is dropped as rejected. The loop therefore runs at most
    # twice per line plus once.
    tags: dict[int | str, Any] | None = None
    for _ in range(2 * len(chunk.lines) + 1):
        transactions = mt940.models.Transactions(tags=tags, options=PARSER_OPTIONS)
        try:
            transactions.parse("\n".join(chunk.lines) + "\n")
        except RuntimeError as error:
            if tags is None and isinstance(_failed_tag(error), mt940.tags.Statement):
                tags = {61: mt940.tags.StatementASNB()}
                continue
            _drop_bad_movement(chunk, error, fmt, rejected)
            tags = None
            continue
        except (ValueError, ArithmeticError, KeyError, IndexError, TypeError) as error:
            raise _corrupt(fmt, chunk.numbers[0], short_problem(error)) from error
        summary = transactions.data
        balances = (_opening(summary), _closing(summary))
        if fmt is StatementFormat.MT940 and None in balances:
            raise StatementFormatError(
                N_(
                    "The MT940 statement starting at line {line} lacks its opening (:60F:/:60M:) "
                    "or closing (:62F:/:62M:) balance: the file is truncated or corrupt."
                ),
                params={"line": chunk.numbers[0]},
            )
        return transactions
    raise _corrupt(fmt, chunk.numbers[0], "too many unreadable movements")


def _failed_tag(error: RuntimeError) -> Any:
    return error.args[1] if len(error.args) > 1 else None


def _opening(summary: dict[str, Any]) -> Any:
    return summary.get("final_opening_balance") or summary.get("intermediate_opening_balance")


def _closing(summary: dict[str, Any]) -> Any:
    return summary.get("final_closing_balance") or summary.get("intermediate_closing_balance")


def _drop_bad_movement(
    chunk: _Chunk, error: RuntimeError, fmt: StatementFormat, rejected: list[RejectedLine]
) -> None:
    """Remove the :61: movement that failed (and its :86: details) and record it as rejected.

    A failure in any other tag (balances, account, statement number) makes the file unusable.
    """
    tag = _failed_tag(error)
    value = str(error.args[2]) if len(error.args) > 2 else ""
    first_line = value.split("\n", 1)[0]
    start = next((i for i, line in enumerate(chunk.lines) if line == f":61:{first_line}"), None)
    if not isinstance(tag, mt940.tags.Statement) or start is None:
        raise _corrupt(fmt, chunk.numbers[0], f"tag :{getattr(tag, 'id', '?')}: is not readable")
    end = start + 1
    while end < len(chunk.lines) and not _TAG_LINE.match(chunk.lines[end]):
        end += 1
    if end < len(chunk.lines) and chunk.lines[end].startswith(":86:"):
        end += 1
        while end < len(chunk.lines) and not _TAG_LINE.match(chunk.lines[end]):
            end += 1
    rejected.append(
        RejectedLine(
            line_number=chunk.numbers[start],
            reason=N_("Unreadable :61: movement; expected value date, mark, amount and type code."),
            text=chunk.lines[start],
        )
    )
    del chunk.lines[start:end]
    del chunk.numbers[start:end]


def _corrupt(fmt: StatementFormat, line: int, problem: str) -> StatementFormatError:
    return StatementFormatError(
        N_("The {format} statement starting at line {line} is corrupt: {problem}."),
        params={"format": fmt.value.upper(), "line": line, "problem": problem[:200]},
    )


def _to_line(data: dict[str, Any], statement: dict[str, Any]) -> StatementLine:
    amount: Decimal = data["amount"].amount
    value_date = _plain_date(data["date"])
    booking_date = _plain_date(data.get("entry_date") or data["date"])
    purpose = str(data.get("purpose") or "")
    # A structured German :86: (with ?20 sub-fields) is split by mt-940 into posting text,
    # name and purpose and leaves no `transaction_details`.
    details = str(data.get("transaction_details") or "") or " ".join(
        str(data.get(key) or "") for key in ("posting_text", "applicant_name", "purpose")
    )
    extra = str(data.get("extra_details") or "")
    description = " ".join(part for part in (details, extra) if part.strip()).replace("\n", " ")
    searchable = f"{description} {purpose}"
    counterparty_account = data.get("applicant_iban") or data.get("applicant_bin")
    return StatementLine(
        booking_date=booking_date,
        value_date=value_date,
        amount=amount,
        currency=str(data.get("currency") or data["amount"].currency),
        direction=direction_of(amount),
        description=description.strip(),
        account_id=statement.get("account_identification"),
        counterparty_name=data.get("applicant_name") or find_payer_name(searchable),
        counterparty_account=clabe_or_none(counterparty_account)
        or counterparty_account
        or find_clabe(searchable),
        tracking_key=find_tracking_key(searchable),
        numeric_reference=find_numeric_reference(searchable),
        bank_reference=data.get("bank_reference") or _customer_reference(data),
        reversal=str(data.get("status", "")).upper().startswith("R"),
    )


def _customer_reference(data: dict[str, Any]) -> str | None:
    reference = str(data.get("customer_reference") or "").strip()
    return None if reference in ("", "NONREF") else reference


def _plain_date(value: date) -> date:
    # mt-940 returns its own date subclass, and the model uses plain dates.
    return date(value.year, value.month, value.day)


def _statement(
    fmt: StatementFormat,
    lines: list[StatementLine],
    rejected: list[RejectedLine],
    summaries: list[dict[str, Any]],
) -> ParsedStatement:
    accounts = {summary.get("account_identification") for summary in summaries}
    single = len(accounts) == 1
    account = next(iter(accounts)) if single else None
    opening = _opening(summaries[0]) if single else None
    closing = _closing(summaries[-1]) if single else None
    currency = (opening or closing).amount.currency if (opening or closing) else None
    if currency is None and lines and single:
        currency = lines[0].currency
    return ParsedStatement(
        format=fmt,
        lines=lines,
        rejected=rejected,
        account_id=account,
        account_clabe=clabe_or_none(account),
        currency=currency,
        opening_balance=_signed_balance(opening),
        closing_balance=_signed_balance(closing),
    )


def _signed_balance(balance: Any) -> Decimal | None:
    # mt-940 already signs a debit ("D") balance negative.
    return None if balance is None else balance.amount.amount
