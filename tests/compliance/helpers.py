"""Shared steps of the compliance tests: customers, the officer, a published notice."""

from __future__ import annotations

import uuid
from datetime import datetime

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from cuenty.compliance.context import ComplianceContext
from cuenty.identity.models import User
from tests.identity.helpers import bearer, login, register

Headers = dict[str, str]


async def customer(
    client: httpx.AsyncClient, email: str, **extra: object
) -> tuple[uuid.UUID, Headers]:
    result = await register(client, email=email, **extra)
    user = result["user"]
    assert isinstance(user, dict)
    return uuid.UUID(str(user["id"])), bearer(result["tokens"])  # type: ignore[arg-type]


async def staff(
    client: httpx.AsyncClient, app: FastAPI, email: str, role: str = "compliance_officer"
) -> tuple[uuid.UUID, Headers]:
    user_id, _ = await customer(client, email)
    async with app.state.session_factory() as session, session.begin():
        await session.execute(update(User).where(User.id == user_id).values(role=role))
    return user_id, bearer(await login(client, email))


async def publish_notice(
    client: httpx.AsyncClient,
    headers: Headers,
    version: str = "1.0.0",
    purposes: list[str] | None = None,
) -> dict[str, object]:
    app = client._transport.app  # type: ignore[attr-defined]
    app.state.settings.company_address = "Av. Reforma 222, Juárez, 06600 Ciudad de México"
    body: dict[str, object] = {"version": version, "effectiveDate": "2026-01-01"}
    if purposes is not None:
        body["purposes"] = purposes
    response = await client.post("/v1/compliance/privacy-notices", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def context_at(app: FastAPI, now: datetime) -> ComplianceContext:
    return ComplianceContext(settings=app.state.settings, now=now)
