"""Uploading statements and STP deposit lists through POST /v1/payments/statements."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from cuenty.kit.clock import MEXICO_CITY, business_date, utc_now
from cuenty.kit.jobs.models import OutboxEntry
from cuenty.payments.models import (
    BankStatementLine,
    ReceivedTransfer,
    Reconciliation,
    StatementImport,
)
from cuenty.payments.statements import Direction, parse
from tests.commerce_support import Catalog, add_stock, run_all_jobs
from tests.conftest import TestDatabase
from tests.payments.support import (
    count_rows,
    operator,
    order_state,
    order_with_spei,
    post_stp,
    stp_abono,
    stp_list,
    stp_list_entry,
    upload_statement,
)

SAMPLES = Path(__file__).parent / "samples"
SAMPLE_NAMES = sorted(path.name for path in SAMPLES.iterdir())
SHARED_STATEMENTS = (
    "camt/camt053.xml",
    "ofx/stmtrs.ofx",
    "mt940/cmxl_mt940.sta",
    "mt940/asnb_mt940.txt",
    "mt940/betterplace_sepa_mt9401.sta",
)
STP_SAMPLE = "stp/consulta_recibidas_20230825.json"


async def _stored_counts(app: FastAPI) -> tuple[int, int, int]:
    return (
        await count_rows(app, StatementImport),
        await count_rows(app, BankStatementLine),
        await count_rows(app, ReceivedTransfer),
    )


async def _import_twice(client: httpx.AsyncClient, app: FastAPI, name: str, data: bytes) -> None:
    """Import a file, check its report against the parser, then check a re-import adds nothing."""
    ops = await operator(client)
    parsed = parse(data, name)
    credits = sum(
        1 for line in parsed.lines if line.direction is Direction.CREDIT and not line.reversal
    )

    first = await upload_statement(client, ops, name, data)

    assert first.status_code == 201, first.text
    report = first.json()
    assert report["format"] == parsed.format.value
    assert report["linesRead"] == len(parsed.lines)
    assert report["credits"] == credits
    assert report["debits"] == len(parsed.lines) - credits
    assert report["duplicates"] == 0
    assert len(report["rejected"]) == len(parsed.rejected)
    assert await count_rows(app, ReceivedTransfer) == report["newTransfers"]
    stored = await _stored_counts(app)

    again = (await upload_statement(client, ops, name, data)).json()

    assert again["duplicates"] == report["linesRead"]
    assert again["newTransfers"] == 0
    assert again["returned"] == 0
    assert await count_rows(app, BankStatementLine) == stored[1]
    assert await count_rows(app, ReceivedTransfer) == stored[2]


@pytest.mark.parametrize("name", SAMPLE_NAMES)
async def test_sample_imports_once(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, name: str
) -> None:
    await _import_twice(client, app, name, (SAMPLES / name).read_bytes())


@pytest.mark.parametrize("name", SHARED_STATEMENTS)
async def test_shared_statement_imports_once(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, shared_data: Path, name: str
) -> None:
    path = shared_data / "statements" / name
    if not path.is_file():
        pytest.skip(f"shared sample {path} is absent")
    await _import_twice(client, app, path.name, path.read_bytes())


async def test_shared_stp_list_imports_once(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, shared_data: Path
) -> None:
    path = shared_data / STP_SAMPLE
    if not path.is_file():
        pytest.skip(f"shared sample {path} is absent")
    ops = await operator(client)

    first = await upload_statement(client, ops, path.name, path.read_bytes())

    assert first.status_code == 201, first.text
    report = first.json()
    assert report["format"] == "stp-recibidas"
    assert report["linesRead"] == report["newTransfers"]
    assert report["linesRead"] > 0
    again = (await upload_statement(client, ops, path.name, path.read_bytes())).json()
    assert again["duplicates"] == report["linesRead"]
    assert again["newTransfers"] == 0
    assert again["returned"] == 0
    assert await count_rows(app, ReceivedTransfer) == report["linesRead"]


async def test_evening_deposit_keeps_operation_date(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, shared_data: Path
) -> None:
    path = shared_data / STP_SAMPLE
    if not path.is_file():
        pytest.skip(f"shared sample {path} is absent")
    await upload_statement(client, await operator(client), path.name, path.read_bytes())

    async with app.state.session_factory() as session:
        transfer = await session.scalar(
            select(ReceivedTransfer).where(
                ReceivedTransfer.tracking_key == "058-25/08/2023/25-300CPWF924"
            )
        )
    assert transfer is not None
    assert transfer.settled_at is not None
    settled = transfer.settled_at.astimezone(MEXICO_CITY)
    assert settled.date() == date(2023, 8, 24)
    assert settled.hour >= 17
    assert transfer.operation_date == date(2023, 8, 25)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("movimientos.csv", b"\x00\xff\xfe garbage \x01\x02"),
        ("estado.xml", (SAMPLES / "camt054_spei.xml").read_bytes()[:700]),
        ("vacio.sta", b""),
        ("lista.json", stp_list({"claveRastreo": "T1", "monto": "45.00"})),
        ("lista.json", stp_list(stp_list_entry("646180157099999990", "45.00", " "))),
        ("lista.json", b'{"resultado": {"lst": ["no es un abono"]}}'),
        ("lista.json", b'{"resultado": {"lst": [{"claveRastreo": 1}]}, "x": [1, 2'),
    ],
    ids=["binary", "truncated-camt", "empty", "stp-missing", "stp-blank", "stp-text", "stp-cut"],
)
async def test_corrupt_file_stores_nothing(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, name: str, data: bytes
) -> None:
    response = await upload_statement(client, await operator(client), name, data)

    assert response.status_code == 422, response.text
    assert await _stored_counts(app) == (0, 0, 0)


async def test_customer_cannot_upload(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    customer, _, _ = await order_with_spei(client, catalog)
    data = (SAMPLES / "camt054_spei.xml").read_bytes()

    response = await upload_statement(client, customer, "camt054_spei.xml", data)

    assert response.status_code == 403
    assert await _stored_counts(app) == (0, 0, 0)


async def test_stp_list_return_undoes_credit(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, instructions = await order_with_spei(client, catalog)
    amount = f"{order['total']:.2f}"
    await post_stp(client, stp_abono(instructions["clabe"], amount, tracking="MBANRETURNED01"))
    assert await order_state(app, order["id"]) == "paid"
    returned = stp_list(stp_list_entry(instructions["clabe"], amount, "MBANRETURNED01", state="D"))
    ops = await operator(client)

    response = await upload_statement(client, ops, "devueltas.json", returned)

    assert response.status_code == 201, response.text
    assert response.json()["returned"] == 1
    assert response.json()["newTransfers"] == 0
    assert await count_rows(app, Reconciliation, Reconciliation.undone_at.is_(None)) == 0
    assert await count_rows(app, ReceivedTransfer, ReceivedTransfer.state == "returned") == 1
    assert await count_rows(app, OutboxEntry, OutboxEntry.name == "payment.returned") == 1
    again = await upload_statement(client, ops, "devueltas.json", returned)
    assert again.json()["returned"] == 0
    assert await count_rows(app, OutboxEntry, OutboxEntry.name == "payment.returned") == 1


def _camt054(reference: str, amount: str, booked: date) -> bytes:
    """A one-entry camt.054 credit notification to an account, carrying a SPEI reference."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>NTF-E2E-1</MsgId><CreDtTm>{booked}T12:00:00-06:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>NTF-E2E</Id>
      <CreDtTm>{booked}T12:00:00-06:00</CreDtTm>
      <Acct><Id><Othr><Id>012180001234567897</Id></Othr></Id><Ccy>MXN</Ccy></Acct>
      <Ntry>
        <Amt Ccy="MXN">{amount}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <RvslInd>false</RvslInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{booked}</Dt></BookgDt>
        <ValDt><Dt>{booked}</Dt></ValDt>
        <AcctSvcrRef>NTF-E2E-001</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>2026120540012BBVA000E2E001</EndToEndId></Refs>
          <RltdPties><Dbtr><Pty><Nm>Ana Lopez</Nm></Pty></Dbtr></RltdPties>
          <RmtInf>
            <Ustrd>PAGO CLAVE DE RASTREO 2026120540012BBVA000E2E001</Ustrd>
            <Strd><CdtrRefInf><Ref>{reference}</Ref></CdtrRefInf></Strd>
          </RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
""".encode()


async def test_statement_then_run_pays_order(
    app: FastAPI,
    client: httpx.AsyncClient,
    catalog: Catalog,
    database: TestDatabase,
) -> None:
    await add_stock(app, catalog.netflix, 1)
    headers, order, instructions = await order_with_spei(client, catalog)
    amount = f"{Decimal(str(order['total'])):.2f}"
    ops = await operator(client)
    statement = _camt054(instructions["reference"], amount, business_date(utc_now()))

    imported = await upload_statement(client, ops, "notificacion.xml", statement)
    assert imported.status_code == 201, imported.text
    assert imported.json()["newTransfers"] == 1
    assert await order_state(app, order["id"]) == "pending_payment"

    run = await client.post("/v1/payments/reconciliation/auto", headers=ops)

    assert run.status_code == 200, run.text
    summary: dict[str, Any] = run.json()
    assert summary["reconciled"] == 1
    assert summary["byRule"] == {"reference_amount": 1}
    assert await order_state(app, order["id"]) == "paid"
    await run_all_jobs(database)
    subscriptions = (await client.get("/v1/subscriptions", headers=headers)).json()
    assert [item["state"] for item in subscriptions["items"]] == ["active"]
