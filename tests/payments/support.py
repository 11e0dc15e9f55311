"""Steps shared by the payments tests: an order, its SPEI instructions, STP and bank
notifications as those senders write them."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from cuenty.orders.models import Order
from cuenty.payments.signatures import sign_header
from tests.commerce_support import Catalog, person

PREFIX = "6461801570"
BANK_SECRET = "bank-secret-for-tests"


async def place_order(
    client: httpx.AsyncClient, headers: dict[str, str], catalog: Catalog, quantity: int = 1
) -> dict[str, Any]:
    response = await client.post(
        "/v1/orders",
        json={"items": [{"planId": str(catalog.netflix_profile.id), "quantity": quantity}]},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def spei(
    client: httpx.AsyncClient, headers: dict[str, str], order: dict[str, Any], **extra: Any
) -> httpx.Response:
    body = {"orderId": order["id"], "amount": order["total"], **extra}
    return await client.post("/v1/payments/spei/generate", json=body, headers=headers)


def stp_abono(
    clabe: str,
    amount: str,
    *,
    tracking: str | None = None,
    operation_date: str = "20261205",
    institution: int = 40012,
    reference: int = 1234567,
    capitalised: bool = False,
    settled_ms: int = 1764957600000,
) -> bytes:
    """An STP incoming-transfer notification, with the amount written as STP writes it."""
    fields = {
        "id": 3906451,
        "fechaOperacion": operation_date,
        "institucionOrdenante": institution,
        "institucionBeneficiaria": 90646,
        "claveRastreo": tracking or f"MBAN{uuid.uuid4().hex[:16].upper()}",
        "monto": "__AMOUNT__",
        "nombreOrdenante": "ANA LOPEZ",
        "tipoCuentaOrdenante": 40,
        "cuentaOrdenante": "012180001234567897",
        "rfcCurpOrdenante": "LOPA800101AB1",
        "nombreBeneficiario": "CUENTY SA DE CV",
        "tipoCuentaBeneficiario": 40,
        "cuentaBeneficiario": clabe,
        "conceptoPago": "PAGO",
        "referenciaNumerica": reference,
        "empresa": "CUENTY",
        "tsLiquidacion": settled_ms,
    }
    if capitalised:
        fields = {name[:1].upper() + name[1:]: value for name, value in fields.items()}
        fields["Clave"] = fields.pop("Id")
    return json.dumps(fields).replace('"__AMOUNT__"', amount).encode()


def now_ms() -> int:
    """The current time as STP writes `tsLiquidacion`: milliseconds since the Unix epoch."""
    return int(time.time() * 1000)


async def post_stp(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await client.post(
        "/v1/payments/webhooks/stp", content=body, headers={"Content-Type": "application/json"}
    )


def bank_body(reference: str, amount: str, transaction_id: str, **payload: Any) -> bytes:
    document = {
        "bank_code": "BBVA",
        "webhook_type": "payment_confirmation",
        "payload": {
            "reference": reference,
            "amount": "__AMOUNT__",
            "transaction_id": transaction_id,
            **payload,
        },
    }
    return json.dumps(document).replace('"__AMOUNT__"', amount).encode()


async def post_bank(
    client: httpx.AsyncClient,
    body: bytes,
    *,
    secret: str = BANK_SECRET,
    timestamp: int | None = None,
) -> httpx.Response:
    header = sign_header(secret, body, timestamp if timestamp is not None else int(time.time()))
    return await client.post(
        "/v1/payments/webhooks/bank",
        content=body,
        headers={"Content-Type": "application/json", "X-Cuenty-Signature": header},
    )


async def operator(client: httpx.AsyncClient) -> dict[str, str]:
    """Authorization header of an operations staff member."""
    return await person(client, "ops@example.com", "operations")


async def order_with_spei(
    client: httpx.AsyncClient, catalog: Catalog, email: str = "ana@example.com", quantity: int = 1
) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    """A customer's header, a new order of theirs and its SPEI instructions."""
    headers = await person(client, email)
    order = await place_order(client, headers, catalog, quantity)
    response = await spei(client, headers, order)
    assert response.status_code == 201, response.text
    return headers, order, response.json()


async def count_rows(app: FastAPI, model: type[Any], *conditions: Any) -> int:
    async with app.state.session_factory() as session:
        query = select(func.count()).select_from(model).where(*conditions)
        return int(await session.scalar(query) or 0)


async def order_state(app: FastAPI, order_id: str) -> str:
    async with app.state.session_factory() as session:
        state = await session.scalar(select(Order.state).where(Order.id == uuid.UUID(order_id)))
    assert state is not None
    return state


async def upload_statement(
    client: httpx.AsyncClient, headers: dict[str, str], name: str, data: bytes
) -> httpx.Response:
    files = {"file": (name, data, "application/octet-stream")}
    return await client.post("/v1/payments/statements", files=files, headers=headers)


def stp_list(*entries: dict[str, Any]) -> bytes:
    """A "consulta de órdenes recibidas" response listing the entries."""
    text = json.dumps({"resultado": {"lst": list(entries)}, "mensaje": "OK"})
    # STP writes `monto` as a JSON number: drop the quotes around the amount's exact text.
    return re.sub(r'"monto": "([0-9.]+)"', r'"monto": \1', text).encode()


def stp_list_entry(
    clabe: str, amount: str, tracking: str, *, state: str = "LQ", operation_date: str = "20261205"
) -> dict[str, Any]:
    """One listed deposit; its natural key matches `stp_abono` with the same tracking key."""
    return {
        "idEF": 3906451,
        "claveRastreo": tracking,
        "fechaOperacion": operation_date,
        "institucionContraparte": 40012,
        "monto": amount,
        "cuentaBeneficiario": clabe,
        "estado": state,
        "referenciaNumerica": 1234567,
        "nombreOrdenante": "ANA LOPEZ",
    }
