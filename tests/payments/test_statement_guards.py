"""Statement imports that must not credit or undo a deposit by themselves: foreign currency,
plain debits, reversals outside the date window, repeats without a tracking key."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from cuenty.payments.models import (
    BankStatementLine,
    ReceivedTransfer,
    Reconciliation,
    StatementImport,
)
from tests.commerce_support import Catalog
from tests.payments.support import (
    count_rows,
    now_ms,
    operator,
    order_with_spei,
    post_stp,
    stp_abono,
    stp_list,
    stp_list_entry,
    upload_statement,
)

TRACKING = "2026120540012BBVA000E2E001"
OPERATION_DAY = date(2026, 12, 5)
UNKNOWN_CLABE = "646180157099999990"


def _camt054(
    amount: str,
    booked: date,
    *,
    currency: str = "MXN",
    indicator: str = "CRDT",
    reversal: bool = False,
    tracking: str | None = TRACKING,
    reference: str = "1234567",
    line_id: str = "NTF-001",
) -> bytes:
    """A one-entry camt.054 notification; the tracking key is written in the remittance text."""
    remittance = f"PAGO CLAVE DE RASTREO {tracking}" if tracking else "PAGO SPEI"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>MSG-{line_id}</MsgId><CreDtTm>{booked}T12:00:00-06:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>{line_id}</Id>
      <CreDtTm>{booked}T12:00:00-06:00</CreDtTm>
      <Acct><Id><Othr><Id>012180001234567897</Id></Othr></Id><Ccy>{currency}</Ccy></Acct>
      <Ntry>
        <Amt Ccy="{currency}">{amount}</Amt>
        <CdtDbtInd>{indicator}</CdtDbtInd>
        <RvslInd>{"true" if reversal else "false"}</RvslInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{booked}</Dt></BookgDt>
        <ValDt><Dt>{booked}</Dt></ValDt>
        <AcctSvcrRef>{line_id}</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <RltdPties><Dbtr><Pty><Nm>Ana Lopez</Nm></Pty></Dbtr></RltdPties>
          <RmtInf>
            <Ustrd>{remittance}</Ustrd>
            <Strd><CdtrRefInf><Ref>{reference}</Ref></CdtrRefInf></Strd>
          </RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
""".encode()


async def _credited_deposit(client: httpx.AsyncClient, catalog: Catalog) -> str:
    """Credit 10.00 from STP under TRACKING to a new order; return the order's reference."""
    _, _, instructions = await order_with_spei(client, catalog, quantity=2)
    response = await post_stp(client, stp_abono(instructions["clabe"], "10.00", tracking=TRACKING))
    assert response.json()["mensaje"] == "confirmar"
    return instructions["reference"]


async def test_foreign_currency_credit_is_not_a_transfer(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    ops = await operator(client)
    statement = _camt054("10.00", OPERATION_DAY, currency="EUR", tracking=None)

    response = await upload_statement(client, ops, "eur.xml", statement)

    assert response.status_code == 201, response.text
    assert response.json()["foreignCurrency"] == 1
    assert response.json()["newTransfers"] == 0
    assert await count_rows(app, ReceivedTransfer) == 0
    assert await count_rows(app, BankStatementLine) == 1


async def test_peso_credit_counts_no_foreign_currency(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    ops = await operator(client)
    statement = _camt054("10.00", OPERATION_DAY, tracking=None, reference="7654321")

    response = await upload_statement(client, ops, "mxn.xml", statement)

    assert response.json()["foreignCurrency"] == 0
    assert response.json()["newTransfers"] == 1


async def test_plain_debit_does_not_return_deposit(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    await _credited_deposit(client, catalog)
    ops = await operator(client)
    debit = _camt054("10.00", OPERATION_DAY, indicator="DBIT")

    response = await upload_statement(client, ops, "cargo.xml", debit)

    assert response.json()["returned"] == 0
    assert await count_rows(app, ReceivedTransfer, ReceivedTransfer.state == "returned") == 0
    assert await count_rows(app, Reconciliation, Reconciliation.undone_at.is_(None)) == 1


async def test_reversal_returns_deposit(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    await _credited_deposit(client, catalog)
    ops = await operator(client)
    reversal = _camt054("10.00", OPERATION_DAY + timedelta(days=1), indicator="DBIT", reversal=True)

    response = await upload_statement(client, ops, "reverso.xml", reversal)

    assert response.json()["returned"] == 1
    assert await count_rows(app, Reconciliation, Reconciliation.undone_at.is_(None)) == 0


async def test_reversal_of_debit_returns_nothing(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    await _credited_deposit(client, catalog)
    ops = await operator(client)
    reversal = _camt054("10.00", OPERATION_DAY, indicator="CRDT", reversal=True)

    response = await upload_statement(client, ops, "reverso-cargo.xml", reversal)

    assert response.json()["returned"] == 0
    assert await count_rows(app, Reconciliation, Reconciliation.undone_at.is_(None)) == 1


async def test_reversal_outside_date_window_returns_nothing(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    await _credited_deposit(client, catalog)
    ops = await operator(client)
    reversal = _camt054(
        "10.00", OPERATION_DAY + timedelta(days=30), indicator="DBIT", reversal=True
    )

    response = await upload_statement(client, ops, "reverso.xml", reversal)

    assert response.json()["returned"] == 0
    assert await count_rows(app, Reconciliation, Reconciliation.undone_at.is_(None)) == 1


async def test_credit_without_key_repeating_stp_goes_to_review(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, instructions = await order_with_spei(client, catalog, quantity=2)
    half = f"{order['total'] / 2:.2f}"
    reference = int(instructions["reference"])
    stp = stp_abono(instructions["clabe"], half, reference=reference, settled_ms=now_ms())
    assert (await post_stp(client, stp)).json()["mensaje"] == "confirmar"
    ops = await operator(client)
    statement = _camt054(half, OPERATION_DAY, tracking=None, reference=instructions["reference"])

    imported = await upload_statement(client, ops, "repite.xml", statement)
    again = await upload_statement(client, ops, "repite.xml", statement)
    run = await client.post("/v1/payments/reconciliation/auto", headers=ops)

    assert imported.json()["newTransfers"] == 1
    assert again.json()["newTransfers"] == 0
    assert run.status_code == 200, run.text
    assert await count_rows(app, ReceivedTransfer, ReceivedTransfer.state == "review") == 1
    assert await count_rows(app, Reconciliation, Reconciliation.undone_at.is_(None)) == 1


async def test_same_tracking_key_other_institution_is_stored(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, _, instructions = await order_with_spei(client, catalog, quantity=2)
    clabe = instructions["clabe"]

    first = await post_stp(client, stp_abono(clabe, "10.00", tracking="ABC123", institution=40012))
    second = await post_stp(client, stp_abono(clabe, "10.00", tracking="ABC123", institution=40072))

    assert first.json()["mensaje"] == "confirmar"
    assert second.json()["transferId"] != first.json()["transferId"]
    assert await count_rows(app, ReceivedTransfer) == 2


async def test_same_tracking_key_other_day_is_stored(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, _, instructions = await order_with_spei(client, catalog, quantity=2)
    clabe = instructions["clabe"]

    await post_stp(client, stp_abono(clabe, "10.00", tracking="ABC123", operation_date="20261205"))
    await post_stp(client, stp_abono(clabe, "10.00", tracking="ABC123", operation_date="20261207"))

    assert await count_rows(app, ReceivedTransfer) == 2


async def test_statement_line_joins_stp_deposit(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    await _credited_deposit(client, catalog)
    ops = await operator(client)

    response = await upload_statement(client, ops, "abono.xml", _camt054("10.00", OPERATION_DAY))

    assert response.json()["newTransfers"] == 0
    assert await count_rows(app, ReceivedTransfer) == 1


async def test_unknown_bank_field_is_422(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    ops = await operator(client)
    files = {"file": ("eur.xml", _camt054("10.00", OPERATION_DAY), "application/octet-stream")}

    response = await client.post(
        "/v1/payments/statements", files=files, data={"bank": "hsbc"}, headers=ops
    )

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"] == "#/bank"
    assert await count_rows(app, StatementImport) == 0


async def test_stp_list_keeps_its_account(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    ops = await operator(client)
    listed = stp_list(
        stp_list_entry(UNKNOWN_CLABE, "10.00", "LISTA0001"),
        stp_list_entry(UNKNOWN_CLABE, "20.00", "LISTA0002"),
    )

    response = await upload_statement(client, ops, "recibidas.json", listed)

    assert response.status_code == 201, response.text
    async with app.state.session_factory() as session:
        record = await session.scalar(select(StatementImport))
    assert record is not None
    assert record.account_id == UNKNOWN_CLABE
