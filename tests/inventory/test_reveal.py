"""Revealing credentials: audited with who, which account and why, and closed to support
staff and customers."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from cuenty.identity.models import AuditEvent
from tests.inventory.support import (
    NETFLIX_LOGIN,
    NETFLIX_PASSWORD,
    add_account,
    create_service,
    staff_headers,
)

REASON = "Cliente reporta que no puede entrar (ticket 1042)"


async def _audit_rows(app: FastAPI) -> list[AuditEvent]:
    async with app.state.session_factory() as session:
        statement = select(AuditEvent).where(AuditEvent.action == "inventory.credentials_revealed")
        return list((await session.scalars(statement)).all())


async def test_reveal_returns_credentials_and_audits(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    account = await add_account(
        client, operations, await create_service(app), profiles=[{"name": "Ana", "pin": "4821"}]
    )

    response = await client.post(
        f"/v1/inventory/accounts/{account['id']}/reveal",
        json={"reason": REASON},
        headers=operations,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["login"] == NETFLIX_LOGIN
    assert body["password"] == NETFLIX_PASSWORD
    assert body["profiles"] == [{"id": account["profiles"][0]["id"], "name": "Ana", "pin": "4821"}]
    assert response.headers["cache-control"] == "no-store"
    rows = await _audit_rows(app)
    assert len(rows) == 1
    assert rows[0].actor_user_id is not None
    assert rows[0].details["account_id"] == account["id"]
    assert rows[0].details["reason"] == REASON
    stored = str(rows[0].details)
    assert NETFLIX_PASSWORD not in stored
    assert NETFLIX_LOGIN not in stored
    assert "4821" not in stored


async def test_reveal_needs_a_reason(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    account = await add_account(client, operations, await create_service(app))

    missing = await client.post(
        f"/v1/inventory/accounts/{account['id']}/reveal", json={}, headers=operations
    )
    short = await client.post(
        f"/v1/inventory/accounts/{account['id']}/reveal", json={"reason": "x"}, headers=operations
    )

    assert missing.status_code == 422
    assert missing.json()["errors"][0]["pointer"] == "#/reason"
    assert short.status_code == 422
    assert await _audit_rows(app) == []


async def test_reveal_forbidden_for_support_and_customers(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    account = await add_account(client, operations, await create_service(app))
    support = await staff_headers(client, app, "support")
    customer = await staff_headers(client, app, "customer")
    url = f"/v1/inventory/accounts/{account['id']}/reveal"

    by_support = await client.post(url, json={"reason": REASON}, headers=support)
    by_customer = await client.post(url, json={"reason": REASON}, headers=customer)
    support_reads = await client.get(f"/v1/inventory/accounts/{account['id']}", headers=support)
    support_writes = await client.post(
        f"/v1/inventory/accounts/{account['id']}/state", json={"state": "blocked"}, headers=support
    )

    assert by_support.status_code == 403
    assert by_customer.status_code == 403
    assert NETFLIX_PASSWORD not in by_support.text
    assert support_reads.status_code == 200
    assert support_writes.status_code == 403
    assert await _audit_rows(app) == []


async def test_reveal_of_unknown_account_is_not_found(
    client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    response = await client.post(
        f"/v1/inventory/accounts/{uuid.uuid4()}/reveal", json={"reason": REASON}, headers=operations
    )

    assert response.status_code == 404
