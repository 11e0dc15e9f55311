"""Steps shared by the tests of the orders and reconciliation pages: payment settings, a
customer's order with SPEI instructions, and reading values back from the API."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from cuenty.identity.models import User
from cuenty.payments.settings import PaymentSettings
from tests.commerce_support import Catalog, person
from tests.payments.support import BANK_SECRET, PREFIX, order_with_spei


def enable_payments(app: FastAPI) -> None:
    """Give the app a collection CLABE prefix and let STP notify from 127.0.0.1."""
    app.state.payment_settings = PaymentSettings(
        clabe_prefix=PREFIX,
        stp_allowed_ips=["127.0.0.1"],
        bank_webhook_secrets={"BBVA": BANK_SECRET},
    )


async def customer_order(
    app: FastAPI, catalog: Catalog, email: str, name: str = "Ana López"
) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    """A customer's Authorization header, a new order of theirs and its SPEI instructions."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://cuenty.test"
    ) as api:
        headers, order, instructions = await order_with_spei(api, catalog, email)
    await rename(app, email, name)
    return headers, order, instructions


async def rename(app: FastAPI, email: str, name: str) -> None:
    async with app.state.session_factory() as session, session.begin():
        await session.execute(update(User).where(User.email == email).values(name=name))


async def api_call(
    app: FastAPI, method: str, path: str, headers: dict[str, str], **options: Any
) -> httpx.Response:
    """One request to the REST API, as a client of the API would send it."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://cuenty.test"
    ) as api:
        return await api.request(method, path, headers=headers, **options)


async def operator_headers(app: FastAPI) -> dict[str, str]:
    """Authorization header of an operations staff member who calls the API directly.

    The first call in a test creates the account, and later calls reuse its header."""
    known: dict[str, str] | None = getattr(app.state, "test_operator_headers", None)
    if known is None:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://cuenty.test"
        ) as api:
            known = await person(api, "apiops@example.com", "operations")
        app.state.test_operator_headers = known
    return known


async def order_of(app: FastAPI, order_id: str, headers: dict[str, str]) -> dict[str, Any]:
    response = await api_call(app, "GET", f"/v1/orders/{order_id}", headers)
    assert response.status_code == 200, response.text
    order: dict[str, Any] = response.json()
    return order
