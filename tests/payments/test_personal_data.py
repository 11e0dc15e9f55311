"""Payments in a customer's data export: credited transfers only, without the payer's data."""

from __future__ import annotations

import json
import uuid

import httpx
from fastapi import FastAPI

from cuenty.orders.models import Order
from cuenty.payments.personal_data import PaymentData
from tests.commerce_support import Catalog
from tests.payments.support import (
    bank_body,
    order_with_spei,
    post_bank,
    post_stp,
    stp_abono,
)

PAYER_FIELDS = ("senderName", "senderAccount", "senderRfc", "senderInstitution")


async def _export(app: FastAPI, order_id: str) -> dict[str, object]:
    async with app.state.session_factory() as session:
        order = await session.get(Order, uuid.UUID(order_id))
        assert order is not None
        return await PaymentData().export(session, order.user_id)


async def test_export_lists_active_credits_only(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, instructions = await order_with_spei(client, catalog, quantity=2)
    active = await post_stp(client, stp_abono(instructions["clabe"], "10.00"))
    credit = bank_body(instructions["reference"], "10.00", "TX-UNDONE", clabe=instructions["clabe"])
    assert (await post_bank(client, credit)).json()["result"] == "matched"
    undo = json.loads(credit)
    undo["webhook_type"] = "payment_returned"
    assert (await post_bank(client, json.dumps(undo).encode())).json()["result"] == "returned"

    exported = await _export(app, order["id"])

    transfers = exported["receivedTransfers"]
    assert isinstance(transfers, list)
    assert [item["id"] for item in transfers] == [active.json()["transferId"]]


async def test_export_leaves_out_payer_data(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, instructions = await order_with_spei(client, catalog)
    await post_stp(client, stp_abono(instructions["clabe"], f"{order['total']:.2f}"))

    exported = await _export(app, order["id"])

    transfers = exported["receivedTransfers"]
    assert isinstance(transfers, list)
    assert len(transfers) == 1
    for field in PAYER_FIELDS:
        assert field not in transfers[0], field
    assert "ANA LOPEZ" not in json.dumps(exported)
    assert transfers[0]["amount"] is not None
    assert transfers[0]["trackingKey"]
