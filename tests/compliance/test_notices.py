"""Privacy notices: versions, forms, required elements, diff, and who may publish."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from cuenty.compliance.notice_template import REQUIRED_ELEMENTS
from tests.compliance.helpers import customer, publish_notice, staff

BASE = "/v1/compliance"


async def test_latest_integral_notice_has_every_element(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer)
    response = await client.get(f"{BASE}/privacy-notice?version=latest")
    assert response.status_code == 200
    notice = response.json()
    assert notice["language"] == "es-MX"
    assert notice["version"] == "1.0.0"
    for heading in REQUIRED_ELEMENTS.values():
        assert heading in notice["content"], heading
    assert "SABG" in notice["content"]
    assert "INAI" not in notice["content"]


async def test_old_versions_stay_retrievable(client: httpx.AsyncClient, app: FastAPI) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer, "1.9.0", ["terms_of_service"])
    await publish_notice(client, officer, "1.10.0", ["terms_of_service", "marketing"])
    latest = (await client.get(f"{BASE}/privacy-notice?version=latest")).json()
    old = (await client.get(f"{BASE}/privacy-notice?version=1.9.0")).json()
    assert latest["version"] == "1.10.0"
    assert old["purposes"] == ["terms_of_service"]


async def test_diff_shows_added_purpose(client: httpx.AsyncClient, app: FastAPI) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer, "1.0.0", ["terms_of_service"])
    await publish_notice(client, officer, "2.0.0", ["terms_of_service", "marketing"])
    response = await client.get(f"{BASE}/privacy-notices/diff?from=1.0.0&to=2.0.0")
    assert "+- Enviar ofertas y promociones" in response.json()["diff"]


async def test_short_and_simplified_forms(client: httpx.AsyncClient, app: FastAPI) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    for notice_type in ("simplificado", "corto"):
        created = await client.post(
            f"{BASE}/privacy-notices",
            json={"version": "1.0.0", "noticeType": notice_type, "effectiveDate": "2026-01-01"},
            headers=officer,
        )
        assert created.status_code == 201, created.text
    short = (await client.get(f"{BASE}/privacy-notice?type=corto")).json()
    assert short["type"] == "corto"


async def test_republishing_a_version_is_409(client: httpx.AsyncClient, app: FastAPI) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer)
    again = await client.post(
        f"{BASE}/privacy-notices",
        json={"version": "1.0.0", "effectiveDate": "2026-02-01"},
        headers=officer,
    )
    assert again.status_code == 409


async def test_customer_cannot_publish(client: httpx.AsyncClient) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    response = await client.post(
        f"{BASE}/privacy-notices",
        json={"version": "9.0.0", "effectiveDate": "2026-01-01"},
        headers=ana,
    )
    assert response.status_code == 403


async def test_missing_version_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{BASE}/privacy-notice?version=3.0.0")
    assert response.status_code == 404
    assert response.json()["code"] == "privacy_notice_not_found"


async def test_malformed_version_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{BASE}/privacy-notice?version=uno")
    assert response.status_code == 422
