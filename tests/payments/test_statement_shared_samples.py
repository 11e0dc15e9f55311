"""Published third-party statement samples parse to the amounts and dates their sources state.

The MT940 samples come with expected results written by the `mt-940` library as YAML with
Python-specific tags; a safe loader here reads those tags into plain values.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from cuenty.payments.statements import Direction, StatementFormat, parse

MT940_SAMPLES = ("cmxl_mt940.sta", "betterplace_sepa_mt9401.sta")


class _ExpectedLoader(yaml.SafeLoader):
    """Safe loader that reads mt-940's pickled objects as dicts, Decimals and dates only."""


def _construct_object(loader: _ExpectedLoader, suffix: str, node: yaml.Node) -> Any:
    data: dict[Any, Any] = {}
    yield data
    data.update(loader.construct_mapping(node, deep=True))  # type: ignore[arg-type]


def _construct_apply(loader: _ExpectedLoader, suffix: str, node: yaml.Node) -> Any:
    arguments = loader.construct_sequence(node, deep=True)  # type: ignore[arg-type]
    if suffix == "decimal.Decimal":
        return Decimal(arguments[0])
    if suffix == "mt940.models.Date":
        # The pickled state of a date: two bytes of year, one of month, one of day.
        state = arguments[0]
        return date(state[0] * 256 + state[1], state[2], state[3])
    return None


_ExpectedLoader.add_multi_constructor("tag:yaml.org,2002:python/object:", _construct_object)
_ExpectedLoader.add_multi_constructor("tag:yaml.org,2002:python/object/apply:", _construct_apply)


def _expected_transactions(path: Path) -> list[dict[str, Any]]:
    document = yaml.load(path.read_text(), Loader=_ExpectedLoader)  # noqa: S506 - safe subclass
    return [transaction["data"] for transaction in document["transactions"]]


def _expected_amount(transaction: dict[str, Any]) -> Decimal:
    amount = transaction["amount"]["amount"]
    # The expected files keep mt-940's legacy sign for a reversed credit ("RC"); CUENTY turns on
    # mt-940's reversal_sign option, so a reversed credit is a debit.
    if str(transaction["status"]).upper() == "RC":
        return -abs(amount)
    return amount


@pytest.fixture
def statements_folder(shared_data: Path) -> Path:
    folder = shared_data / "statements"
    if not folder.is_dir():
        pytest.skip(f"statement samples folder {folder} is absent")
    return folder


@pytest.mark.parametrize("name", MT940_SAMPLES)
def test_mt940_sample_matches_expected(statements_folder: Path, name: str) -> None:
    sample = statements_folder / "mt940" / name
    expected = _expected_transactions(sample.with_suffix(".expected.yml"))

    statement = parse(sample.read_bytes(), name)

    assert statement.format is StatementFormat.MT940
    assert statement.rejected == []
    assert len(statement.lines) == len(expected)
    for line, transaction in zip(statement.lines, expected, strict=True):
        assert line.amount == _expected_amount(transaction)
        assert line.value_date == transaction["date"]
        assert line.booking_date == (transaction.get("entry_date") or transaction["date"])
        assert line.currency == transaction["currency"]


def test_mt940_multi_statement_balances(statements_folder: Path) -> None:
    statement = parse((statements_folder / "mt940" / "asnb_mt940.txt").read_bytes())

    assert statement.account_id == "NL81ASNB9999999999"
    assert statement.opening_balance == Decimal("444.29")
    assert statement.closing_balance == Decimal("501.23")
    total = sum((line.amount for line in statement.lines), Decimal(0))
    assert statement.opening_balance + total == statement.closing_balance


def test_mt940_multi_account_has_no_balances(statements_folder: Path) -> None:
    statement = parse((statements_folder / "mt940" / "cmxl_mt940.sta").read_bytes())

    assert statement.account_id is None
    assert statement.opening_balance is None
    assert {line.account_id for line in statement.lines} == {
        "45050050/76198810",
        "10020030/1234567",
        "BPHKPLPK/320000546101",
    }


def test_camt053_sample(statements_folder: Path) -> None:
    statement = parse((statements_folder / "camt" / "camt053.xml").read_bytes())

    assert statement.format is StatementFormat.CAMT053
    assert statement.account_id == "0035-2915203-10-000"
    assert statement.currency == "CHF"
    assert statement.opening_balance == Decimal("832.01")
    assert statement.closing_balance == Decimal("2116.31")
    [line] = statement.lines
    assert line.amount == Decimal("1284.30")
    assert line.direction is Direction.CREDIT
    assert line.booking_date == date(2023, 1, 25)
    assert line.value_date == date(2023, 1, 25)
    assert line.counterparty_name == "PAYEE"
    assert line.bank_reference == "8082230156M02SJ62/1010"


def test_ofx_sample(statements_folder: Path) -> None:
    statement = parse((statements_folder / "ofx" / "stmtrs.ofx").read_bytes())

    assert statement.format is StatementFormat.OFX
    assert statement.account_id == "999988"
    assert statement.currency == "USD"
    assert statement.closing_balance == Decimal("200.29")
    assert [line.amount for line in statement.lines] == [Decimal("-200.00"), Decimal("-300.00")]
    dates = [line.booking_date for line in statement.lines]
    assert dates == [date(2005, 10, 4), date(2005, 10, 20)]
    assert [line.bank_reference for line in statement.lines] == ["00002", "00003"]
