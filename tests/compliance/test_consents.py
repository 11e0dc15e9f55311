"""Consent records: append-only history, express consent for financial data, revocation,
and `allows` for other packages."""

from __future__ import annotations

import hashlib

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from cuenty.compliance import consents
from cuenty.compliance.models import ConsentLog
from tests.compliance.helpers import customer, publish_notice, staff

BASE = "/v1/compliance"


def _consent(purpose: str, version: str = "1.0.0", **extra: object) -> dict[str, object]:
    return {"consentType": purpose, "consentText": "Acepto", "version": version, **extra}


async def test_register_requires_published_version(client: httpx.AsyncClient) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    response = await client.post(
        f"{BASE}/consent/register", json=_consent("marketing"), headers=ana
    )
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_notice_version"


async def test_register_stores_evidence(client: httpx.AsyncClient, app: FastAPI) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    _officer, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer)
    response = await client.post(
        f"{BASE}/consent/register",
        json=_consent("marketing", ipAddress="10.9.9.9"),
        headers={**ana, "User-Agent": "Navegador/1.0"},
    )
    assert response.status_code == 201, response.text
    record = response.json()
    assert record["textSha256"] == hashlib.sha256(b"Acepto").hexdigest()
    assert record["userAgent"] == "Navegador/1.0"
    assert record["ipAddress"] != "10.9.9.9"
    assert record["mode"] == "express"


async def test_financial_data_needs_express_consent(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    _officer, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer)
    response = await client.post(
        f"{BASE}/consent/register", json=_consent("financial_data", mode="tacit"), headers=ana
    )
    assert response.status_code == 422
    assert response.json()["code"] == "express_consent_required"


async def test_history_is_append_only(client: httpx.AsyncClient, app: FastAPI) -> None:
    ana_id, ana = await customer(client, "ana@example.com")
    _officer, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer)
    granted = await client.post(f"{BASE}/consent/register", json=_consent("marketing"), headers=ana)
    revoked = await client.post(
        f"{BASE}/consent/revoke", json={"consentType": "marketing"}, headers=ana
    )
    assert revoked.status_code == 201
    async with app.state.session_factory() as session:
        rows = list(await session.scalars(select(ConsentLog).where(ConsentLog.user_id == ana_id)))
    assert [row.action for row in rows] == ["granted", "revoked"]
    assert rows[0].id == granted.json()["id"]
    assert rows[0].notice_version == "1.0.0"


async def test_allows_follows_grant_and_revoke(client: httpx.AsyncClient, app: FastAPI) -> None:
    ana_id, ana = await customer(client, "ana@example.com")
    _officer, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer)
    async with app.state.session_factory() as session:
        assert await consents.allows(session, ana_id, "marketing") is False
    await client.post(f"{BASE}/consent/register", json=_consent("marketing"), headers=ana)
    async with app.state.session_factory() as session:
        assert await consents.allows(session, ana_id, "marketing") is True
    await client.post(f"{BASE}/consent/revoke", json={"consentType": "marketing"}, headers=ana)
    async with app.state.session_factory() as session:
        assert await consents.allows(session, ana_id, "marketing") is False


async def test_new_purpose_needs_new_consent(client: httpx.AsyncClient, app: FastAPI) -> None:
    ana_id, ana = await customer(client, "ana@example.com")
    _officer, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer, "1.0.0", ["terms_of_service", "marketing"])
    await publish_notice(client, officer, "2.0.0", ["terms_of_service", "marketing", "analytics"])
    rejected = await client.post(
        f"{BASE}/consent/register", json=_consent("analytics", "1.0.0"), headers=ana
    )
    assert rejected.json()["code"] == "purpose_not_in_notice"
    await client.post(f"{BASE}/consent/register", json=_consent("analytics", "2.0.0"), headers=ana)
    async with app.state.session_factory() as session:
        assert await consents.allows(session, ana_id, "analytics") is True


async def test_customer_cannot_consent_for_another(client: httpx.AsyncClient) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    luis_id, _ = await customer(client, "luis@example.com")
    response = await client.post(
        f"{BASE}/consent/revoke",
        json={"consentType": "marketing", "userId": str(luis_id)},
        headers=ana,
    )
    assert response.status_code == 403


async def test_my_consents_lists_state_and_history(client: httpx.AsyncClient, app: FastAPI) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    _officer, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer)
    await client.post(f"{BASE}/consent/register", json=_consent("analytics"), headers=ana)
    mine = (await client.get(f"{BASE}/consents/me", headers=ana)).json()
    assert mine["current"]["analytics"] is True
    assert mine["current"]["marketing"] is False
    assert len(mine["history"]) == 1


async def test_unknown_consent_type_is_422(client: httpx.AsyncClient) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    response = await client.post(
        f"{BASE}/consent/register", json=_consent("selling_data"), headers=ana
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/consentType"


async def test_officer_cannot_consent_for_customer(client: httpx.AsyncClient, app: FastAPI) -> None:
    ana_id, _ana = await customer(client, "ana@example.com")
    _officer, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer)
    response = await client.post(
        f"{BASE}/consent/register",
        json=_consent("marketing", userId=str(ana_id)),
        headers=officer,
    )
    async with app.state.session_factory() as session:
        stored = await session.scalar(select(ConsentLog).where(ConsentLog.user_id == ana_id))
    assert response.status_code == 403
    assert response.json()["code"] == "titular_only"
    assert stored is None
