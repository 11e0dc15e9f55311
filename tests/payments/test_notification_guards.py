"""Guards of the inbound notification routes: per-type replay keys, retried STP responses,
control characters, the STP company, the mTLS proxy check and bodies that are not objects."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.app import create_app
from cuenty.orders.models import Order
from cuenty.payments.models import BankWebhook, ReceivedTransfer, Reconciliation
from cuenty.payments.settings import PaymentSettings
from cuenty.payments.signatures import sign_payload
from tests.commerce_support import Catalog, seed_catalog
from tests.conftest import TestDatabase, client_for, make_settings
from tests.payments.support import (
    BANK_SECRET,
    PREFIX,
    bank_body,
    count_rows,
    order_with_spei,
    post_bank,
    post_stp,
    stp_abono,
)

UNKNOWN_CLABE = "646180157099999990"


def _as_return(body: bytes, transaction_id: str | None = None) -> bytes:
    document = json.loads(body)
    document["webhook_type"] = "payment_returned"
    if transaction_id is not None:
        document["payload"]["transaction_id"] = transaction_id
    return json.dumps(document).encode()


async def _active_credits(app: FastAPI) -> int:
    return await count_rows(app, Reconciliation, Reconciliation.undone_at.is_(None))


async def test_return_with_deposit_transaction_id_undoes_credit(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, _, instructions = await order_with_spei(client, catalog)
    credit = bank_body(instructions["reference"], "10.00", "TX-77", clabe=instructions["clabe"])
    credited = await post_bank(client, credit)
    assert credited.json()["result"] == "matched"

    returned = await post_bank(client, _as_return(credit))

    assert returned.status_code == 200, returned.text
    assert returned.json()["result"] == "returned"
    assert returned.json()["transferId"] == credited.json()["transferId"]
    assert await _active_credits(app) == 0
    assert await count_rows(app, BankWebhook) == 2


async def test_return_replay_returns_first_result(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, _, instructions = await order_with_spei(client, catalog)
    credit = bank_body(instructions["reference"], "10.00", "TX-78", clabe=instructions["clabe"])
    await post_bank(client, credit)
    first = await post_bank(client, _as_return(credit))

    again = await post_bank(client, _as_return(credit))

    assert again.json() == first.json()
    assert await count_rows(app, BankWebhook) == 2


async def test_unknown_type_does_not_use_up_transaction_id(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, _, instructions = await order_with_spei(client, catalog)
    credit = bank_body(instructions["reference"], "10.00", "TX-79", clabe=instructions["clabe"])
    notice = json.loads(credit)
    notice["webhook_type"] = "account_notice"
    ignored = await post_bank(client, json.dumps(notice).encode())
    assert ignored.json()["result"] == "ignored"

    credited = await post_bank(client, credit)

    assert credited.json()["result"] == "matched"


async def test_unlinked_return_is_kept_for_review(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    await order_with_spei(client, catalog)
    orphan = _as_return(bank_body("0000001", "10.00", "TX-ORPHAN"))

    response = await post_bank(client, orphan)

    assert response.status_code == 200, response.text
    assert response.json()["result"] == "review"
    assert await count_rows(app, ReceivedTransfer, ReceivedTransfer.state == "review") == 1
    assert await count_rows(app, ReceivedTransfer, ReceivedTransfer.state == "returned") == 0


async def test_body_signature_rejected_for_return(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    payload = {"reference": "1", "amount": "10.00", "transaction_id": "TX-BODY"}
    document = {
        "bank_code": "BBVA",
        "webhook_type": "payment_returned",
        "payload": payload,
        "signature": sign_payload(BANK_SECRET, payload),
    }

    response = await client.post(
        "/v1/payments/webhooks/bank",
        content=json.dumps(document).encode(),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 401
    assert await count_rows(app, BankWebhook) == 0


async def test_long_transaction_id_is_422(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    response = await post_bank(client, bank_body("0000001", "10.00", "T" * 81))

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"] == "#/payload/transaction_id"
    assert await count_rows(app, BankWebhook) == 0


@pytest.mark.parametrize("character", ["\u0000", "\u0007", "\u009b"], ids=["nul", "bel", "csi"])
async def test_bank_control_character_is_422(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, character: str
) -> None:
    body = bank_body("0000001", "10.00", "TX-NUL", sender_name=f"ANA{character} LOPEZ")

    response = await post_bank(client, body)

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"] == "#/payload/sender_name"
    assert await count_rows(app, BankWebhook) == 0


async def test_stp_nul_in_name_is_422(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, _, instructions = await order_with_spei(client, catalog)
    body = stp_abono(instructions["clabe"], "10.00").replace(b"ANA LOPEZ", b"ANA\\u0000LOPEZ")

    response = await post_stp(client, body)

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"] == "#/nombreOrdenante"
    assert await count_rows(app, ReceivedTransfer) == 0


async def test_stp_retry_after_expiry_is_confirmed(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, instructions = await order_with_spei(client, catalog)
    body = stp_abono(instructions["clabe"], "10.00", tracking="RETRY0001")
    first = await post_stp(client, body)
    assert first.json()["mensaje"] == "confirmar"
    async with app.state.session_factory() as session, session.begin():
        await session.execute(
            update(Order).where(Order.id == uuid.UUID(order["id"])).values(state="expired")
        )
    app.state.payment_settings = PaymentSettings(
        clabe_prefix=PREFIX, stp_allowed_ips=["127.0.0.1"], stp_return_closed_order=True
    )

    again = await post_stp(client, body)

    assert again.json() == first.json()
    assert await _active_credits(app) == 1


async def test_stp_retry_of_refused_deposit_repeats_cause(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    app.state.payment_settings = PaymentSettings(
        clabe_prefix=PREFIX,
        stp_allowed_ips=["127.0.0.1"],
        stp_return_unknown_account=True,
        stp_return_cause_unknown=14,
    )
    body = stp_abono(UNKNOWN_CLABE, "10.00", tracking="REFUSED0001")
    first = await post_stp(client, body)
    app.state.payment_settings = PaymentSettings(clabe_prefix=PREFIX, stp_allowed_ips=["127.0.0.1"])

    again = await post_stp(client, body)

    assert first.json() == {"mensaje": "devolver", "id": 14}
    assert again.json() == first.json()


async def test_stp_other_company_is_422(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    app.state.payment_settings = PaymentSettings(
        clabe_prefix=PREFIX, stp_allowed_ips=["127.0.0.1"], stp_company="OTRA"
    )

    response = await post_stp(client, stp_abono(UNKNOWN_CLABE, "10.00"))

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"] == "#/empresa"
    assert await count_rows(app, ReceivedTransfer) == 0


async def test_stp_same_company_is_accepted(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    app.state.payment_settings = PaymentSettings(
        clabe_prefix=PREFIX, stp_allowed_ips=["127.0.0.1"], stp_company="CUENTY"
    )

    response = await post_stp(client, stp_abono(UNKNOWN_CLABE, "10.00"))

    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("proxies", "status"),
    [(["127.0.0.0/8"], 200), (["127.0.0.1"], 200), (["10.0.0.0/8"], 401)],
    ids=["cidr", "address", "other-network"],
)
async def test_mtls_header_believed_from_proxy_network(
    database: TestDatabase, engine: AsyncEngine, proxies: list[str], status: int
) -> None:
    settings = make_settings(database_url=database.url, trusted_proxies=proxies)
    application = create_app(settings, engine=engine)
    async with application.router.lifespan_context(application), client_for(application) as client:
        await seed_catalog(application)
        application.state.payment_settings = PaymentSettings(clabe_prefix=PREFIX, stp_auth="mtls")
        response = await client.post(
            "/v1/payments/webhooks/stp",
            content=stp_abono(UNKNOWN_CLABE, "10.00"),
            headers={"Content-Type": "application/json", "X-SSL-Client-Verify": "SUCCESS"},
        )

    assert response.status_code == status, response.text


@pytest.mark.parametrize("body", [b"[1]", b"", b"  ", b'"texto"', b"3"])
@pytest.mark.parametrize("route", ["stp", "bank"])
async def test_body_not_an_object_is_400(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, route: str, body: bytes
) -> None:
    response = await client.post(
        f"/v1/payments/webhooks/{route}",
        content=body,
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400, response.text
    assert response.json()["code"] == "json_object_expected"


async def test_truncated_json_names_position(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    response = await post_stp(client, b'{"id": ')

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"
    assert "7" in response.json()["detail"]
