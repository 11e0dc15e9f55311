"""Object-level and role checks: a customer never reaches another customer's data or staff
routes, and an API key acts only within its scopes."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from cuenty.identity.models import User
from tests.identity.helpers import bearer, login, register


async def _make_admin(app: FastAPI, email: str) -> None:
    async with app.state.session_factory.begin() as session:
        user = await session.scalar(select(User).where(User.email == email))
        assert user is not None
        user.role = "admin"


async def test_customer_cannot_close_another_customers_session(client: httpx.AsyncClient) -> None:
    await register(client, "ana@example.com")
    await register(client, "beto@example.com")
    ana = await login(client, "ana@example.com")
    beto = await login(client, "beto@example.com")
    beto_sessions = (await client.get("/v1/auth/sessions", headers=bearer(beto))).json()
    response = await client.delete(
        f"/v1/auth/sessions/{beto_sessions[0]['id']}", headers=bearer(ana)
    )
    assert response.status_code == 404
    assert (await client.get("/v1/users/me", headers=bearer(beto))).status_code == 200


async def test_customer_cannot_revoke_another_customers_key(client: httpx.AsyncClient) -> None:
    await register(client, "ana@example.com")
    await register(client, "beto@example.com")
    ana = await login(client, "ana@example.com")
    beto = await login(client, "beto@example.com")
    created = await client.post(
        "/v1/api-keys", json={"name": "tienda", "scopes": ["orders:read"]}, headers=bearer(beto)
    )
    response = await client.delete(f"/v1/api-keys/{created.json()['id']}", headers=bearer(ana))
    assert response.status_code == 404


async def test_customer_cannot_list_users(client: httpx.AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ana@example.com")
    assert (await client.get("/v1/users", headers=bearer(tokens))).status_code == 403


async def test_customer_cannot_read_another_user(client: httpx.AsyncClient) -> None:
    beto = (await register(client, "beto@example.com"))["user"]
    await register(client, "ana@example.com")
    ana = await login(client, "ana@example.com")
    response = await client.get(f"/v1/users/{beto['id']}", headers=bearer(ana))
    assert response.status_code == 403


async def test_customer_cannot_change_roles(client: httpx.AsyncClient) -> None:
    ana = (await register(client, "ana@example.com"))["user"]
    tokens = await login(client, "ana@example.com")
    response = await client.put(
        f"/v1/users/{ana['id']}/role", json={"role": "admin"}, headers=bearer(tokens)
    )
    assert response.status_code == 403


async def test_customer_key_cannot_get_staff_scopes(client: httpx.AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ana@example.com")
    response = await client.post(
        "/v1/api-keys", json={"name": "x", "scopes": ["users:read"]}, headers=bearer(tokens)
    )
    assert response.status_code == 403
    assert response.json()["code"] == "scope_not_allowed"


async def test_api_key_without_scope_gets_403(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client, "admin@example.com")
    await _make_admin(app, "admin@example.com")
    admin = await login(client, "admin@example.com")
    created = await client.post(
        "/v1/api-keys", json={"name": "reportes", "scopes": ["orders:read"]}, headers=bearer(admin)
    )
    response = await client.get("/v1/users", headers={"X-API-Key": created.json()["key"]})
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"


async def test_api_key_with_scope_is_allowed(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client, "admin@example.com")
    await _make_admin(app, "admin@example.com")
    admin = await login(client, "admin@example.com")
    created = await client.post(
        "/v1/api-keys", json={"name": "crm", "scopes": ["users:read"]}, headers=bearer(admin)
    )
    response = await client.get("/v1/users", headers={"X-API-Key": created.json()["key"]})
    assert response.status_code == 200
    assert response.json()["items"][0]["email"] == "admin@example.com"


async def test_api_key_cannot_use_account_routes(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client, "admin@example.com")
    await _make_admin(app, "admin@example.com")
    admin = await login(client, "admin@example.com")
    created = await client.post(
        "/v1/api-keys", json={"name": "crm", "scopes": ["users:read"]}, headers=bearer(admin)
    )
    response = await client.post(
        "/v1/api-keys",
        json={"name": "otra", "scopes": ["users:read"]},
        headers={"X-API-Key": created.json()["key"]},
    )
    assert response.status_code == 403


async def test_admin_disable_revokes_sessions_and_keys(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await register(client, "admin@example.com")
    await _make_admin(app, "admin@example.com")
    admin = await login(client, "admin@example.com")
    ana = (await register(client, "ana@example.com"))["user"]
    ana_tokens = await login(client, "ana@example.com")
    key = (
        await client.post(
            "/v1/api-keys",
            json={"name": "k", "scopes": ["orders:read"]},
            headers=bearer(ana_tokens),
        )
    ).json()["key"]

    disabled = await client.post(f"/v1/users/{ana['id']}/disable", headers=bearer(admin))
    assert disabled.json()["isActive"] is False
    assert (await client.get("/v1/users/me", headers=bearer(ana_tokens))).status_code == 401
    assert (await client.get("/v1/api-keys", headers={"X-API-Key": key})).status_code == 401
    relogin = await client.post(
        "/v1/auth/login", json={"email": "ana@example.com", "password": "Girasol-Azul-2026"}
    )
    assert relogin.status_code == 403


async def test_role_change_ends_old_sessions(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client, "admin@example.com")
    await _make_admin(app, "admin@example.com")
    admin = await login(client, "admin@example.com")
    ana = (await register(client, "ana@example.com"))["user"]
    ana_tokens = await login(client, "ana@example.com")
    changed = await client.put(
        f"/v1/users/{ana['id']}/role", json={"role": "support"}, headers=bearer(admin)
    )
    assert changed.json()["role"] == "support"
    assert (await client.get("/v1/users/me", headers=bearer(ana_tokens))).status_code == 401


async def test_demoted_owner_key_loses_scopes(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client, "admin@example.com")
    await _make_admin(app, "admin@example.com")
    admin = await login(client, "admin@example.com")
    await register(client, "carlos@example.com")
    carlos_id = (await client.get("/v1/users?q=carlos", headers=bearer(admin))).json()["items"][0][
        "id"
    ]
    await client.put(
        f"/v1/users/{carlos_id}/role", json={"role": "operations"}, headers=bearer(admin)
    )
    carlos = await login(client, "carlos@example.com")
    key = (
        await client.post(
            "/v1/api-keys", json={"name": "ops", "scopes": ["users:read"]}, headers=bearer(carlos)
        )
    ).json()["key"]
    before = await client.get("/v1/users", headers={"X-API-Key": key})
    await client.put(
        f"/v1/users/{carlos_id}/role", json={"role": "customer"}, headers=bearer(admin)
    )
    after = await client.get("/v1/users", headers={"X-API-Key": key})
    assert before.status_code == 200
    assert after.status_code == 403


async def test_api_key_cannot_send_two_factor_codes(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await register(client, "admin@example.com")
    await _make_admin(app, "admin@example.com")
    admin = await login(client, "admin@example.com")
    key = (
        await client.post(
            "/v1/api-keys", json={"name": "k", "scopes": ["users:read"]}, headers=bearer(admin)
        )
    ).json()["key"]
    response = await client.post("/v1/auth/2fa/send", json={}, headers={"X-API-Key": key})
    assert response.status_code == 403


async def test_compliance_officer_can_search_users(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client, "lucia@example.com")
    async with app.state.session_factory.begin() as session:
        user = await session.scalar(select(User).where(User.email == "lucia@example.com"))
        assert user is not None
        user.role = "compliance_officer"
    lucia = await login(client, "lucia@example.com")
    assert (await client.get("/v1/users", headers=bearer(lucia))).status_code == 200


async def test_percent_in_search_is_literal(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client, "admin@example.com")
    await _make_admin(app, "admin@example.com")
    admin = await login(client, "admin@example.com")
    response = await client.get("/v1/users", params={"q": "%"}, headers=bearer(admin))
    assert response.json()["items"] == []
