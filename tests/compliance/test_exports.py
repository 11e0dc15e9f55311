"""The access export against a seeded user: every category and no secrets."""

from __future__ import annotations

import json

import httpx
from fastapi import FastAPI

from tests.compliance.helpers import customer, publish_notice, staff

BASE = "/v1/compliance"


async def _seed_and_export(client: httpx.AsyncClient, app: FastAPI) -> httpx.Response:
    _ana, ana = await customer(client, "ana@example.com", phone="5512345678")
    _officer, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer)
    await client.post(
        f"{BASE}/consent/register",
        json={"consentType": "analytics", "consentText": "Acepto", "version": "1.0.0"},
        headers=ana,
    )
    key = await client.post(
        "/v1/api-keys", json={"name": "Integración", "scopes": ["orders:read"]}, headers=ana
    )
    assert key.status_code == 201, key.text
    request_id = (await client.post(f"{BASE}/data-access", json={}, headers=ana)).json()[
        "requestId"
    ]
    await client.post(
        f"{BASE}/requests/{request_id}/verify-identity",
        json={"method": "id_document", "notes": "INE"},
        headers=officer,
    )
    return await client.get(f"{BASE}/requests/{request_id}/export", headers=ana)


async def test_export_contains_every_category(client: httpx.AsyncClient, app: FastAPI) -> None:
    export = (await _seed_and_export(client, app)).json()
    data = export["data"]
    assert {"identity", "compliance"} <= set(export["categories"])
    assert data["identity"]["profile"]["phone"] == "+525512345678"
    assert len(data["identity"]["sessions"]) >= 1
    assert [key["name"] for key in data["identity"]["apiKeys"]] == ["Integración"]
    assert [consent["purpose"] for consent in data["compliance"]["consents"]] == ["analytics"]
    assert [request["requestType"] for request in data["compliance"]["privacyRequests"]] == [
        "access"
    ]
    assert "consent.granted" in {entry["action"] for entry in data["compliance"]["auditEntries"]}
    assert "auth.registered" in {event["action"] for event in data["identity"]["securityEvents"]}


async def test_export_has_no_secrets(client: httpx.AsyncClient, app: FastAPI) -> None:
    response = await _seed_and_export(client, app)
    text = json.dumps(response.json())
    for secret_field in ("passwordHash", "password_hash", "keyHash", "totpSecret", "tokenHash"):
        assert secret_field not in text
    assert response.headers["cache-control"] == "no-store"
