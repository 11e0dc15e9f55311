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
    """Sign up with email and password; a phone in `extra` is verified with its code too."""
    body = {"name": "Ana López", "email": email, "password": PASSWORD, **extra}
    response = await client.post("/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    result = response.json()
    pending_phone = result["user"]["pendingPhone"]
    if pending_phone:
        app = client._transport.app  # type: ignore[attr-defined]
        code = await latest_code(app, pending_phone)
        verified = await client.post(
            "/v1/users/me/verify-contact",
            json={"channel": "phone", "code": code},
            headers=bearer(result["tokens"]),
        )
        assert verified.status_code == 200, verified.text
        result["user"] = verified.json()
    return result


def bearer(tokens: dict[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['accessToken']}"}


async def login(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> dict[str, object]:
    response = await client.post("/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()
