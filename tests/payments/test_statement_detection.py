"""Format detection from content, whole-file errors, rejected lines and line keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from cuenty.payments.statements import (
    MAX_STATEMENT_BYTES,
    StatementFormat,
    StatementFormatError,
    parse,
)

SAMPLES = Path(__file__).parent / "samples"
CAMT053 = b"""<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Acct><Id><Othr><Id>646180123400000010</Id></Othr></Id><Ccy>MXN</Ccy></Acct>
<Ntry><Amt Ccy="MXN">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-12-01</Dt></BookgDt>
</Ntry></Stmt></BkToCstmrStmt></Document>"""
OFX_V1 = b"""OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20261202
<LANGUAGE>SPA</SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS><CURDEF>MXN<BANKACCTFROM><BANKID>012<ACCTID>0198765432<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20261201<DTEND>20261202
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261201120000[-6:CST]<TRNAMT>5127.17<FITID>A1
<NAME>SPEI RECIBIDO<MEMO>CVE RASTREO 2026120140072BMOV0000481237 REF 4821375</STMTTRN>
</BANKTRANLIST><LEDGERBAL><BALAMT>5127.17<DTASOF>20261202</LEDGERBAL></STMTRS>
</STMTTRNRS></BANKMSGSRSV1></OFX>
"""
MT940 = b""":20:STMT1
:25:646180123400000010
:28C:1/1
:60F:C261201MXN1000,00
:61:2612011201C5127,17NTRFNONREF
:86:SPEI RECIBIDO CLAVE DE RASTREO ABC123 REF 4821375
:62F:C261201MXN6127,17
"""


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (MT940, StatementFormat.MT940),
        ((SAMPLES / "mt942_intradia.txt").read_bytes(), StatementFormat.MT942),
        (CAMT053, StatementFormat.CAMT053),
        ((SAMPLES / "camt054_spei.xml").read_bytes(), StatementFormat.CAMT054),
        (OFX_V1, StatementFormat.OFX),
        ((SAMPLES / "bbva_movimientos.csv").read_bytes(), StatementFormat.BBVA_CSV),
        ((SAMPLES / "santander_movimientos.csv").read_bytes(), StatementFormat.SANTANDER_CSV),
        ((SAMPLES / "banorte_movimientos.txt").read_bytes(), StatementFormat.BANORTE_CSV),
    ],
)
def test_format_detected_from_content(data: bytes, expected: StatementFormat) -> None:
    # A misleading name must not change the result: the content decides.
    assert parse(data, "statement.pdf").format is expected


def test_ofx_v1_line() -> None:
    [line] = parse(OFX_V1).lines

    assert str(line.amount) == "5127.17"
    assert line.booking_date.isoformat() == "2026-12-01"
    assert line.tracking_key == "2026120140072BMOV0000481237"
    assert line.numeric_reference == "4821375"


def test_mt940_balances() -> None:
    statement = parse(MT940)

    assert str(statement.opening_balance) == "1000.00"
    assert str(statement.closing_balance) == "6127.17"
    assert statement.account_clabe == "646180123400000010"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "The file is empty."),
        (b" \r\n\t", "The file is empty."),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "The file format is not recognised"),
        (b"Fecha,Importe\n01/12/2026,5.00\n", "The file format is not recognised"),
        (b"\x00\x01\x02\x03", "The file contains binary data"),
        (b"<html><body>hola</body></html>", "is not a camt.053 or camt.054"),
        (CAMT053[:200], "not well-formed XML"),
        (MT940[:60], "lacks its opening"),
        (MT940.replace(b":60F:C261201MXN1000,00", b":60F:C2612"), "is corrupt"),
        (OFX_V1[:400], "The OFX file cannot be read"),
        (OFX_V1.replace(b"<TRNAMT>5127.17", b"<TRNAMT>cinco"), "The OFX file cannot be read"),
    ],
)
def test_unreadable_file_rejected(data: bytes, reason: str) -> None:
    with pytest.raises(StatementFormatError) as caught:
        parse(data, "upload.bin")

    assert reason in str(caught.value)
    assert caught.value.extra["filename"] == "upload.bin"
    assert caught.value.status == 422


def test_oversized_file_rejected() -> None:
    with pytest.raises(StatementFormatError, match="larger than the limit"):
        parse(b" " + b"x" * MAX_STATEMENT_BYTES)


def test_xml_entities_not_expanded() -> None:
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Ntry><Amt Ccy="MXN">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-12-01</Dt></BookgDt>
<AddtlNtryInf>&b;</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>"""

    [line] = parse(bomb).lines

    assert "aaaaaaaaaa" not in line.description


def test_external_entity_not_loaded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    document = f"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Ntry><Amt Ccy="MXN">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-12-01</Dt></BookgDt>
<AddtlNtryInf>&x;</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>""".encode()

    [line] = parse(document).lines

    assert "TOP-SECRET" not in line.description


def test_bad_mt940_movement_rejected() -> None:
    data = MT940.replace(b":62F:", b":61:26XX011201C9,00NTRFNONREF\n:86:LINEA DANADA\n:62F:")

    statement = parse(data)

    assert len(statement.lines) == 1
    [rejected] = statement.rejected
    assert rejected.line_number == 7
    assert rejected.text == ":61:26XX011201C9,00NTRFNONREF"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ('02/12/2026,EXTRA,$1.00,$2.00,"$3.00"', "both a debit and a credit"),
        ('02/12/2026,VACIA,,,"$3.00"', "neither a debit nor a credit"),
        ('02/12/2026,MAL,5.127;17,,"$3.00"', "Invalid amount"),
        ('02/12/2026,NEGATIVO,-5.00,,"$3.00"', "must hold a positive number"),
        ("2026-12-02,FECHA ISO,$1.00,,$3.00", "Invalid date"),
        ("02/12/2026,CORTA,$1.00", "columns but the header has"),
    ],
)
def test_bad_csv_line_rejected(row: str, reason: str) -> None:
    data = f"Fecha,Concepto / Referencia,Cargo,Abono,Saldo\n01/12/2026,OK,,$5.00,$5.00\n{row}\n"

    statement = parse(data.encode())

    assert len(statement.lines) == 1
    [rejected] = statement.rejected
    assert rejected.line_number == 3
    assert reason in rejected.message("en")


def test_santander_bad_sign_rejected() -> None:
    data = (
        "Cuenta,Fecha,Hora,Sucursal,Descripción,Cargo/Abono,Importe,Saldo,Referencia,Concepto\n"
        "1,01/12/2026,09:00,1,ABONO,*,5.00,5.00,1,X\n"
    )

    statement = parse(data.encode())

    assert statement.lines == []
    assert "Invalid sign *" in statement.rejected[0].message("en")


def test_line_key_stable_across_parses() -> None:
    data = (SAMPLES / "bbva_movimientos.csv").read_bytes()

    first = [line.line_key for line in parse(data).lines]
    second = [line.line_key for line in parse(data).lines]

    assert first == second


def test_line_key_same_across_encodings() -> None:
    utf8 = (SAMPLES / "bbva_movimientos.csv").read_bytes()
    latin1 = utf8.decode("utf-8").encode("latin-1")

    assert [line.line_key for line in parse(utf8).lines] == [
        line.line_key for line in parse(latin1).lines
    ]


@pytest.mark.parametrize(
    "name",
    [
        "bbva_movimientos.csv",
        "santander_movimientos.csv",
        "banorte_movimientos.txt",
        "camt054_spei.xml",
        "mt942_intradia.txt",
    ],
)
def test_line_keys_distinct_within_file(name: str) -> None:
    keys = [line.line_key for line in parse((SAMPLES / name).read_bytes()).lines]

    assert len(set(keys)) == len(keys)


def test_identical_lines_get_distinct_keys() -> None:
    data = (
        b"Fecha,Concepto / Referencia,Cargo,Abono,Saldo\n"
        b"01/12/2026,DEPOSITO,,$5.00,$5.00\n"
        b"01/12/2026,DEPOSITO,,$5.00,$10.00\n"
    )

    first, second = parse(data).lines

    assert first.line_key != second.line_key


def test_line_key_ignores_position() -> None:
    header = "Fecha,Concepto / Referencia,Cargo,Abono,Saldo\n"
    line = "02/12/2026,SPEI RECIBIDO CVE RASTREO ABC123,,$5.00,$5.00\n"
    short = (header + line).encode()
    longer = (header + "01/12/2026,OTRO,,$1.00,$1.00\n" + line).encode()

    assert parse(short).lines[0].line_key == parse(longer).lines[1].line_key


def test_mt940_content_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    data = MT940.replace(b":62F:", b":61:26XX011201C9,00NTRFNONREF LUCIA HERNANDEZ\n:62F:")

    with caplog.at_level("DEBUG"):
        parse(data)

    assert "LUCIA" not in caplog.text
