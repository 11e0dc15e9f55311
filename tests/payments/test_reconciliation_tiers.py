"""Matching tiers after the CLABE: reference and amount, amount in window, review; partial
payments, over-payments and deposits for a cancelled order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from cuenty.payments import ledger
from cuenty.payments.models import ReceivedTransfer, Reconciliation
from tests.commerce_support import Catalog, user_id
from tests.payments.support import (
    now_ms,
    operator,
    order_state,
    order_with_spei,
    post_stp,
    stp_abono,
)

OTHER_CLABE = "646180157099999990"


async def _only_transfer(app: FastAPI) -> ReceivedTransfer:
    async with app.state.session_factory() as session:
        return (await session.scalars(select(ReceivedTransfer))).one()


async def _rules(app: FastAPI) -> list[str]:
    async with app.state.session_factory() as session:
        return list((await session.scalars(select(Reconciliation.rule))).all())


def _amount(order: dict[str, Any], extra: str = "0.00") -> str:
    return f"{Decimal(str(order['total'])) + Decimal(extra):.2f}"


async def test_reference_and_exact_amount_match(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, instructions = await order_with_spei(client, catalog)
    body = stp_abono(OTHER_CLABE, _amount(order), reference=int(instructions["reference"]))

    await post_stp(client, body)

    assert await _rules(app) == ["reference_amount"]
    assert await order_state(app, order["id"]) == "paid"


async def test_reference_with_other_amount_is_reviewed(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, instructions = await order_with_spei(client, catalog)
    body = stp_abono(OTHER_CLABE, "1.00", reference=int(instructions["reference"]))

    await post_stp(client, body)

    assert (await _only_transfer(app)).state == "review"
    assert await order_state(app, order["id"]) == "pending_payment"


async def test_amount_in_window_matches_one_request(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, _ = await order_with_spei(client, catalog)
    body = stp_abono(OTHER_CLABE, _amount(order), reference=0, settled_ms=now_ms())

    await post_stp(client, body)

    assert await _rules(app) == ["amount_window"]
    assert await order_state(app, order["id"]) == "paid"


async def test_amount_before_request_is_reviewed(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, _ = await order_with_spei(client, catalog)
    an_hour_ago = now_ms() - 3_600_000
    body = stp_abono(OTHER_CLABE, _amount(order), reference=0, settled_ms=an_hour_ago)

    await post_stp(client, body)

    assert (await _only_transfer(app)).review_reason == ledger.REVIEW_NO_MATCH


async def test_ambiguous_amount_is_reviewed(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, first, _ = await order_with_spei(client, catalog, "ana@example.com")
    _, second, _ = await order_with_spei(client, catalog, "luis@example.com")
    assert first["total"] == second["total"]

    await post_stp(client, stp_abono(OTHER_CLABE, _amount(first), reference=0, settled_ms=now_ms()))

    transfer = await _only_transfer(app)
    assert transfer.state == "review"
    assert transfer.review_reason == ledger.REVIEW_AMBIGUOUS
    assert await order_state(app, first["id"]) == "pending_payment"
    assert await order_state(app, second["id"]) == "pending_payment"


async def test_no_match_is_reviewed(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    await post_stp(client, stp_abono(OTHER_CLABE, "999.99", reference=0, settled_ms=now_ms()))

    transfer = await _only_transfer(app)
    assert transfer.state == "review"
    assert transfer.review_reason == ledger.REVIEW_NO_MATCH


async def test_partial_payment_leaves_balance(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    headers, order, instructions = await order_with_spei(client, catalog)
    total = Decimal(str(order["total"]))
    path = f"/v1/payments/{instructions['paymentId']}"

    await post_stp(client, stp_abono(instructions["clabe"], "10.00"))

    partial = (await client.get(path, headers=headers)).json()
    assert partial["state"] == "partially_paid"
    assert Decimal(str(partial["amountPaid"])) == Decimal("10.00")
    assert Decimal(str(partial["balanceDue"])) == total - Decimal("10.00")
    assert await order_state(app, order["id"]) == "pending_payment"

    rest = f"{total - Decimal('10.00'):.2f}"
    await post_stp(client, stp_abono(instructions["clabe"], rest))

    paid = (await client.get(path, headers=headers)).json()
    assert paid["state"] == "paid"
    assert Decimal(str(paid["balanceDue"])) == Decimal("0.00")
    assert await order_state(app, order["id"]) == "paid"


async def test_overpayment_becomes_customer_credit(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    headers, order, instructions = await order_with_spei(client, catalog)

    await post_stp(client, stp_abono(instructions["clabe"], _amount(order, "5.50")))

    assert await order_state(app, order["id"]) == "paid"
    ops = await operator(client)
    customer = await user_id(app, "ana@example.com")
    response = await client.get(
        "/v1/payments/credits", params={"userId": str(customer)}, headers=ops
    )
    assert response.status_code == 200
    credits = response.json()
    assert len(credits) == 1
    assert Decimal(str(credits[0]["amount"])) == Decimal("5.50")
    forbidden = await client.get("/v1/payments/credits", headers=headers)
    assert forbidden.status_code == 403


async def test_cancelled_order_deposit_is_reviewed(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    headers, order, instructions = await order_with_spei(client, catalog)
    cancelled = await client.post(f"/v1/orders/{order['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200, cancelled.text

    await post_stp(client, stp_abono(instructions["clabe"], _amount(order)))

    transfer = await _only_transfer(app)
    assert transfer.state == "review"
    assert transfer.review_reason == ledger.REVIEW_ORDER_CLOSED
    assert await order_state(app, order["id"]) == "cancelled"
    assert await _rules(app) == []
