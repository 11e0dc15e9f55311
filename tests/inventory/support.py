"""Shared steps of the inventory tests: catalog services, staff users with real tokens, and
reading events from the outbox."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from cuenty.catalog.models import CatalogService
from cuenty.identity.models import User
from cuenty.kit.jobs.models import OutboxEntry
from tests.identity.helpers import bearer, login, register

NETFLIX_LOGIN = "netflix.mx.07@cuenty.mx"
NETFLIX_PASSWORD = "Tamarindo-Rojo-8841"


async def create_service(
    app: FastAPI, name: str = "Netflix", profiles_per_account: int = 5
) -> uuid.UUID:
    async with app.state.session_factory() as session, session.begin():
        service = CatalogService(
            name=name, category="streaming", profiles_per_account=profiles_per_account
        )
        session.add(service)
    return service.id


async def staff_headers(
    client: httpx.AsyncClient, app: FastAPI, role: str, email: str | None = None
) -> dict[str, str]:
    """Register a user, give it `role`, sign in again and return its Authorization header."""
    email = email or f"{role}-{uuid.uuid4().hex[:8]}@cuenty.mx"
    await register(client, email)
    async with app.state.session_factory() as session, session.begin():
        await session.execute(update(User).where(User.email == email).values(role=role))
    return bearer(await login(client, email))


async def add_account(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    service_id: uuid.UUID,
    login_value: str = NETFLIX_LOGIN,
    **extra: Any,
) -> dict[str, Any]:
    body = {"serviceId": str(service_id), "login": login_value, "password": NETFLIX_PASSWORD}
    body.update(extra)
    response = await client.post("/v1/inventory/accounts", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def stock_events(app: FastAPI) -> list[dict[str, Any]]:
    """Return the data of every `inventory.stock_available` event in the outbox."""
    async with app.state.session_factory() as session:
        entries = await session.scalars(
            select(OutboxEntry)
            .where(OutboxEntry.name == "inventory.stock_available")
            .order_by(OutboxEntry.id)
        )
        return [entry.payload["data"] for entry in entries]
