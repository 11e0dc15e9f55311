"""The review queue: listing, manual match (audited), unmatch and its guard."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from cuenty.identity.models import AuditEvent
from cuenty.payments.models import ReceivedTransfer
from tests.commerce_support import Catalog
from tests.payments.support import (
    count_rows,
    operator,
    order_state,
    order_with_spei,
    post_stp,
    stp_abono,
)

OTHER_CLABE = "646180157099999990"
UNMATCHED = "/v1/payments/reconciliation/unmatched"


async def _reviewed_deposit(client: httpx.AsyncClient, amount: str) -> str:
    response = await post_stp(client, stp_abono(OTHER_CLABE, amount, reference=0))
    return str(response.json()["transferId"])


async def _match(
    client: httpx.AsyncClient, headers: dict[str, str], transfer_id: str, order: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        f"/v1/payments/reconciliation/transfers/{transfer_id}/match",
        json={"orderId": order["id"], "reason": "El cliente envió su comprobante"},
        headers=headers,
    )


async def test_queue_is_for_operations_only(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    customer, _, _ = await order_with_spei(client, catalog)
    transfer_id = await _reviewed_deposit(client, "12.34")
    ops = await operator(client)

    forbidden = await client.get(UNMATCHED, headers=customer)
    listed = await client.get(UNMATCHED, headers=ops)

    assert forbidden.status_code == 403
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [item["id"] for item in items] == [transfer_id]
    assert items[0]["reviewReason"]


async def test_customer_cannot_match(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    customer, order, _ = await order_with_spei(client, catalog)
    transfer_id = await _reviewed_deposit(client, f"{order['total']:.2f}")

    response = await _match(client, customer, transfer_id, order)

    assert response.status_code == 403
    assert await order_state(app, order["id"]) == "pending_payment"


async def test_manual_match_pays_and_is_audited(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, _ = await order_with_spei(client, catalog)
    transfer_id = await _reviewed_deposit(client, f"{order['total']:.2f}")
    ops = await operator(client)

    response = await _match(client, ops, transfer_id, order)

    assert response.status_code == 201, response.text
    assert response.json()["rule"] == "manual"
    assert response.json()["reason"] == "El cliente envió su comprobante"
    assert await order_state(app, order["id"]) == "paid"
    action = AuditEvent.action == "payments.manual_match"
    assert await count_rows(app, AuditEvent, action) == 1
    assert (await client.get(UNMATCHED, headers=ops)).json()["items"] == []


async def test_manual_match_needs_reason(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, _ = await order_with_spei(client, catalog)
    transfer_id = await _reviewed_deposit(client, f"{order['total']:.2f}")
    ops = await operator(client)

    response = await client.post(
        f"/v1/payments/reconciliation/transfers/{transfer_id}/match",
        json={"orderId": order["id"]},
        headers=ops,
    )

    assert response.status_code == 422
    assert await count_rows(app, AuditEvent, AuditEvent.action == "payments.manual_match") == 0


async def test_unmatch_unpaid_order_returns_to_review(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, _ = await order_with_spei(client, catalog)
    transfer_id = await _reviewed_deposit(client, "10.00")
    ops = await operator(client)
    match = (await _match(client, ops, transfer_id, order)).json()
    assert await order_state(app, order["id"]) == "pending_payment"

    response = await client.post(
        f"/v1/payments/reconciliation/matches/{match['id']}/unmatch",
        json={"reason": "Pedido equivocado"},
        headers=ops,
    )

    assert response.status_code == 200, response.text
    assert response.json()["state"] == "review"
    listed = (await client.get(UNMATCHED, headers=ops)).json()["items"]
    assert [item["id"] for item in listed] == [transfer_id]
    assert await count_rows(app, AuditEvent, AuditEvent.action == "payments.unmatch") == 1


async def test_unmatch_paid_order_is_409(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, _ = await order_with_spei(client, catalog)
    transfer_id = await _reviewed_deposit(client, f"{order['total']:.2f}")
    ops = await operator(client)
    match = (await _match(client, ops, transfer_id, order)).json()

    response = await client.post(
        f"/v1/payments/reconciliation/matches/{match['id']}/unmatch",
        json={"reason": "Pedido equivocado"},
        headers=ops,
    )

    assert response.status_code == 409
    assert response.json()["code"] == "order_already_paid"
    assert await order_state(app, order["id"]) == "paid"
    matched = ReceivedTransfer.state == "matched"
    assert await count_rows(app, ReceivedTransfer, matched) == 1


async def test_matched_transfer_cannot_match_again(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, _ = await order_with_spei(client, catalog)
    transfer_id = await _reviewed_deposit(client, "10.00")
    ops = await operator(client)
    await _match(client, ops, transfer_id, order)

    again = await _match(client, ops, transfer_id, order)

    assert again.status_code == 409
    assert again.json()["code"] == "transfer_not_matchable"
