"""CUENTY's own samples (invented data): the three Mexican bank exports, camt.054 and MT942."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from cuenty.payments.statements import Direction, StatementFormat, parse

SAMPLES = Path(__file__).parent / "samples"


def _sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def _in_encoding(name: str, encoding: str) -> bytes:
    """Return a sample re-encoded, whatever encoding the committed file uses."""
    raw = _sample(name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1", "utf-8-sig"])
def test_bbva_csv_lines(encoding: str) -> None:
    statement = parse(_in_encoding("bbva_movimientos.csv", encoding), "bbva_movimientos.csv")

    assert statement.format is StatementFormat.BBVA_CSV
    assert statement.rejected == []
    assert [line.amount for line in statement.lines] == [
        Decimal("5127.17"),
        Decimal("-174.00"),
        Decimal("1299.00"),
        Decimal("-2000.00"),
        Decimal("350.50"),
    ]
    first = statement.lines[0]
    assert first.booking_date == date(2026, 12, 1)
    assert first.tracking_key == "2026120140072BMOV0000481237"
    assert first.numeric_reference == "4821375"
    assert first.counterparty_name == "LUCÍA HERNÁNDEZ RUIZ"
    assert first.counterparty_account == "072180001234567897"
    assert statement.lines[1].description == "COMISIÓN MANEJO DE CUENTA"
    assert statement.lines[2].tracking_key == "MBAN01002612020000917001"


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
def test_santander_csv_lines(encoding: str) -> None:
    statement = parse(_in_encoding("santander_movimientos.csv", encoding))

    assert statement.format is StatementFormat.SANTANDER_CSV
    assert statement.rejected == []
    assert statement.account_id == "65501122334"
    assert [line.amount for line in statement.lines] == [
        Decimal("5127.17"),
        Decimal("-87.00"),
        Decimal("1299.00"),
        Decimal("-3450.25"),
    ]
    first = statement.lines[0]
    assert first.booking_date == date(2026, 12, 1)
    assert first.direction is Direction.CREDIT
    assert first.tracking_key == "2026120140014BSAN0000482113"
    assert first.numeric_reference == "4821375"
    assert first.counterparty_name == "JOSÉ ÁLVAREZ PÉREZ"
    assert statement.lines[1].numeric_reference is None  # an all-zero reference is no reference
    assert statement.lines[3].numeric_reference is None  # 11 digits: a bank reference only
    assert statement.lines[3].bank_reference == "88123456789"


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8"])
def test_banorte_txt_lines(encoding: str) -> None:
    statement = parse(_in_encoding("banorte_movimientos.txt", encoding))

    assert statement.format is StatementFormat.BANORTE_CSV
    assert statement.account_id == "0845123456"
    assert [line.amount for line in statement.lines] == [
        Decimal("5127.17"),
        Decimal("-1500.00"),
        Decimal("1299.00"),
    ]
    first = statement.lines[0]
    assert first.tracking_key == "2026120140012BBVA000048213"
    assert first.numeric_reference == "4821375"
    assert first.counterparty_name == "MARÍA GUADALUPE NÚÑEZ"
    assert first.counterparty_account == "012180001950000122"
    assert first.bank_reference == "0048213"
    assert statement.lines[1].numeric_reference is None  # Banorte's Referencia is the bank's
    assert statement.lines[2].booking_date == date(2026, 12, 3)
    assert statement.lines[2].value_date == date(2026, 12, 4)


def test_banorte_bad_date_is_rejected() -> None:
    statement = parse(_sample("banorte_movimientos.txt"))

    [rejected] = statement.rejected
    assert rejected.line_number == 4
    assert rejected.message("en") == "Invalid date 31/02/2026: expected dd/mm/yyyy."
    assert rejected.message("es-MX") != rejected.message("en")


def test_banorte_sample_is_latin1() -> None:
    with pytest.raises(UnicodeDecodeError):
        _sample("banorte_movimientos.txt").decode("utf-8")


def test_camt054_notification() -> None:
    statement = parse(_sample("camt054_spei.xml"))

    assert statement.format is StatementFormat.CAMT054
    assert statement.account_clabe == "646180123400000010"
    assert statement.currency == "MXN"
    credit, reversal = statement.lines
    assert credit.amount == Decimal("5127.17")
    assert credit.booking_date == date(2026, 12, 1)
    # 2026-12-02T05:30Z is still 1 December in Mexico City (UTC-6).
    assert credit.value_date == date(2026, 12, 1)
    assert credit.tracking_key == "2026120140072BMOV0000481237"
    assert credit.numeric_reference == "4821375"
    assert credit.counterparty_name == "Lucía Hernández Ruiz"
    assert credit.counterparty_account == "072180001234567897"
    assert reversal.amount == Decimal("-1299.00")
    assert reversal.reversal is True
    assert reversal.tracking_key == "MBAN01002612010000917001"


def test_camt054_bad_entry_is_rejected() -> None:
    statement = parse(_sample("camt054_spei.xml"))

    [rejected] = statement.rejected
    assert rejected.line_number == 49
    assert "not-a-number" in rejected.message("en")


def test_mt942_intraday_report() -> None:
    statement = parse(_sample("mt942_intradia.txt"))

    assert statement.format is StatementFormat.MT942
    assert statement.account_clabe == "646180123400000010"
    assert statement.opening_balance is None
    credit, debit = statement.lines
    assert credit.amount == Decimal("5127.17")
    assert credit.value_date == date(2026, 12, 1)
    assert credit.tracking_key == "2026120140072BMOV0000481237"
    assert credit.numeric_reference == "4821375"
    assert debit.amount == Decimal("-350")
    assert debit.direction is Direction.DEBIT


def test_mt942_detected_without_envelope() -> None:
    text = _sample("mt942_intradia.txt").decode()
    body = "\n".join(line for line in text.splitlines() if not line.startswith(("{", "-}")))

    assert parse(body.encode()).format is StatementFormat.MT942
