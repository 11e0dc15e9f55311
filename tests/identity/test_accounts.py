"""API keys, bcrypt hashes from the earlier system, and profile changes with re-verification."""

from __future__ import annotations

import bcrypt
import httpx
from fastapi import FastAPI
from sqlalchemy import select

from cuenty.identity.api_keys import generate_key, has_valid_format
from cuenty.identity.models import ApiKey, User
from tests.identity.helpers import bearer, latest_code, login, register


def test_generated_key_has_valid_checksum() -> None:
    key = generate_key("test")
    assert key.startswith("cty_test_")
    assert has_valid_format(key)


def test_changed_key_fails_checksum() -> None:
    key = generate_key("live")
    altered = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert not has_valid_format(altered)


async def test_api_key_shown_once_and_stored_hashed(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await register(client)
    tokens = await login(client, "ana@example.com")
    created = await client.post(
        "/v1/api-keys", json={"name": "tienda", "scopes": ["orders:read"]}, headers=bearer(tokens)
    )
    assert created.status_code == 201
    clear = created.json()["key"]
    listed = await client.get("/v1/api-keys", headers=bearer(tokens))
    assert clear not in listed.text
    assert listed.json()[0]["prefix"] == clear[:12]
    async with app.state.session_factory() as session:
        stored = await session.scalar(select(ApiKey))
    assert stored is not None
    assert clear not in stored.key_hash


async def test_api_key_use_records_last_used(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client)
    tokens = await login(client, "ana@example.com")
    created = await client.post(
        "/v1/api-keys", json={"name": "tienda", "scopes": ["orders:read"]}, headers=bearer(tokens)
    )
    await client.get("/v1/auth/sessions", headers={"X-API-Key": created.json()["key"]})
    listed = await client.get("/v1/api-keys", headers=bearer(tokens))
    assert listed.json()[0]["lastUsedAt"] is not None


async def test_revoked_api_key_is_rejected(client: httpx.AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ana@example.com")
    created = (
        await client.post(
            "/v1/api-keys", json={"name": "t", "scopes": ["orders:read"]}, headers=bearer(tokens)
        )
    ).json()
    assert (
        await client.delete(f"/v1/api-keys/{created['id']}", headers=bearer(tokens))
    ).status_code == 204
    response = await client.get("/v1/auth/sessions", headers={"X-API-Key": created["key"]})
    assert response.status_code == 401


async def test_bcrypt_hash_logs_in_and_is_upgraded(client: httpx.AsyncClient, app: FastAPI) -> None:
    legacy = bcrypt.hashpw(b"Clave-Heredada-2019", bcrypt.gensalt(rounds=10)).decode()
    legacy = "$2a$" + legacy[4:]
    async with app.state.session_factory.begin() as session:
        session.add(User(email="legado@example.com", name="Cliente Legado", password_hash=legacy))
    tokens = await login(client, "legado@example.com", "Clave-Heredada-2019")
    assert tokens["accessToken"]
    async with app.state.session_factory() as session:
        stored = await session.scalar(
            select(User.password_hash).where(User.email == "legado@example.com")
        )
    assert stored is not None
    assert stored.startswith("$argon2id$")


async def test_email_change_waits_for_verification(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client)
    tokens = await login(client, "ana@example.com")
    pending = await client.patch(
        "/v1/users/me",
        json={"email": "ana.nueva@example.com", "name": "Ana L."},
        headers=bearer(tokens),
    )
    assert pending.json()["email"] == "ana@example.com"
    assert pending.json()["pendingEmail"] == "ana.nueva@example.com"
    assert pending.json()["name"] == "Ana L."
    code = await latest_code(app, "ana.nueva@example.com")
    verified = await client.post(
        "/v1/users/me/verify-contact",
        json={"channel": "email", "code": code},
        headers=bearer(tokens),
    )
    assert verified.json()["email"] == "ana.nueva@example.com"
    assert verified.json()["emailVerified"] is True


async def test_email_change_to_taken_address_is_409(client: httpx.AsyncClient) -> None:
    await register(client, "beto@example.com")
    await register(client, "ana@example.com")
    tokens = await login(client, "ana@example.com")
    response = await client.patch(
        "/v1/users/me", json={"email": "beto@example.com"}, headers=bearer(tokens)
    )
    assert response.status_code == 409


async def test_unknown_scope_is_422_with_pointer(client: httpx.AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ana@example.com")
    response = await client.post(
        "/v1/api-keys", json={"name": "t", "scopes": ["orders:delete"]}, headers=bearer(tokens)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/scopes/0"
    assert "'or'" not in response.json()["errors"][0]["message"]


async def test_past_key_expiry_is_422_with_pointer(client: httpx.AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ana@example.com")
    response = await client.post(
        "/v1/api-keys",
        json={"name": "t", "scopes": ["orders:read"], "expiresAt": "2020-01-01T00:00:00Z"},
        headers=bearer(tokens),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/expiresAt"
    assert response.json()["errors"][0]["message"] == "Debe ser una fecha y hora futura."


async def test_invalid_email_message_is_translated(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/register",
        json={"name": "Ana", "email": "no-es-correo", "password": "Girasol-Azul-2026"},
        headers={"Accept-Language": "en"},
    )
    assert response.json()["errors"][0]["message"] == "Not a valid email address."


async def test_invalid_phone_message_is_spanish(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/auth/otp/send", json={"phone": "12"})
    assert response.json()["errors"][0]["message"].startswith("No es un número de celular válido")


async def test_unknown_field_is_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/login",
        json={"email": "ana@example.com", "password": "Girasol-Azul-2026", "role": "admin"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "extra_forbidden"


async def test_made_up_api_key_counts_against_address(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/no-such-route", headers={"X-API-Key": "bogus-key"})
    assert response.headers["x-ratelimit-limit"] == "100"


def test_request_session_commits_before_response() -> None:
    from cuenty.kit.deps import DbSession

    dependency = DbSession.__metadata__[0]
    assert dependency.scope == "function"


async def test_signup_email_code_can_be_resent(client: httpx.AsyncClient, app: FastAPI) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from cuenty.identity.models import OneTimeCode

    tokens = (await register(client))["tokens"]
    async with app.state.session_factory.begin() as session:
        # Move the first code's send time back, past the pause between sends.
        await session.execute(
            update(OneTimeCode).values(created_at=datetime.now(UTC) - timedelta(minutes=2))
        )
    resent = await client.post(
        "/v1/users/me/verify-contact/resend", json={"channel": "email"}, headers=bearer(tokens)
    )
    assert resent.status_code == 202
    code = await latest_code(app, "ana@example.com")
    verified = await client.post(
        "/v1/users/me/verify-contact",
        json={"channel": "email", "code": code},
        headers=bearer(tokens),
    )
    assert verified.json()["emailVerified"] is True


async def test_verify_contact_without_pending_is_409(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    tokens = (await register(client))["tokens"]
    code = await latest_code(app, "ana@example.com")
    await client.post(
        "/v1/users/me/verify-contact",
        json={"channel": "email", "code": code},
        headers=bearer(tokens),
    )
    again = await client.post(
        "/v1/users/me/verify-contact",
        json={"channel": "phone", "code": "123456"},
        headers=bearer(tokens),
    )
    assert again.status_code == 409
    assert again.json()["code"] == "no_pending_contact"
