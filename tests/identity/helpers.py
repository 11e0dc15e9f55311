"""Shared steps of the identity tests: sign-up, sign-in and reading the development outbox."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from cuenty.identity.delivery import read_outbox

PASSWORD = "Girasol-Azul-2026"


async def latest_code(app: FastAPI, recipient: str) -> str:
    async with app.state.session_factory() as session:
        messages = await read_outbox(
            session, app.state.settings.secret("encryption_key"), recipient=recipient, limit=1
        )
    assert messages, f"no message was recorded for {recipient}"
    code = messages[0][1]
    assert code is not None
    return code


async def register(
    client: httpx.AsyncClient, email: str = "ana@example.com", **extra: object
) -> dict[str, object]:
    body = {"name": "Ana López", "email": email, "password": PASSWORD, **extra}
    response = await client.post("/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def bearer(tokens: dict[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['accessToken']}"}


async def login(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> dict[str, object]:
    response = await client.post("/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()
