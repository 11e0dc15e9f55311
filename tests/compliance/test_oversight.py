"""Breach register, the report for the authority and the compliance check."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from cuenty.compliance.models import AuditTrail, DataBlock, DataRequest
from cuenty.kit.clock import utc_now
from tests.compliance.helpers import customer, publish_notice, staff

BASE = "/v1/compliance"


async def _incident(client: httpx.AsyncClient, officer: dict[str, str], user: uuid.UUID) -> str:
    created = await client.post(
        f"{BASE}/incidents",
        json={
            "title": "Acceso indebido a la consola",
            "description": "Una cuenta de soporte fue usada desde una IP desconocida.",
            "detectedAt": utc_now().isoformat(),
            "dataInvolved": ["nombre", "correo"],
            "affectedUserIds": [str(user)],
        },
        headers=officer,
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_incident_lifecycle(client: httpx.AsyncClient, app: FastAPI) -> None:
    ana_id, _ana = await customer(client, "ana@example.com")
    _officer, officer = await staff(client, app, "oficial@example.com")
    incident_id = await _incident(client, officer, ana_id)
    url = f"{BASE}/incidents/{incident_id}"
    assessed = await client.post(
        f"{url}/assessment",
        json={"significant": True, "assessment": "Afecta datos de contacto"},
        headers=officer,
    )
    assert assessed.json()["status"] == "assessed"
    notified = await client.post(
        f"{url}/notification",
        json={
            "whatHappened": "Acceso no autorizado",
            "recommendations": "Cambie su contraseña",
            "correctiveActions": "Cuenta de soporte desactivada",
            "moreInformation": "privacidad@cuenty.mx",
        },
        headers=officer,
    )
    body = notified.json()
    assert body["status"] == "notified"
    assert set(body["notification"]) == {
        "whatHappened",
        "recommendations",
        "correctiveActions",
        "moreInformation",
        "dataInvolved",
    }
    closed = await client.post(
        f"{url}/measures",
        json={"measure": "2FA obligatorio para soporte", "close": True},
        headers=officer,
    )
    assert closed.json()["status"] == "closed"
    assert len(closed.json()["correctiveMeasures"]) == 1


async def test_customer_cannot_read_incidents(client: httpx.AsyncClient) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    assert (await client.get(f"{BASE}/incidents", headers=ana)).status_code == 403


async def test_report_counts_and_names_sabg(client: httpx.AsyncClient, app: FastAPI) -> None:
    ana_id, ana = await customer(client, "ana@example.com")
    _officer, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer)
    await client.post(
        f"{BASE}/consent/register",
        json={"consentType": "marketing", "consentText": "Acepto", "version": "1.0.0"},
        headers=ana,
    )
    await client.post(f"{BASE}/data-access", json={}, headers=ana)
    await _incident(client, officer, ana_id)
    today = utc_now().date()
    query = f"startDate={today - timedelta(days=2)}&endDate={today + timedelta(days=2)}"
    report = (await client.get(f"{BASE}/sabg-report?{query}", headers=officer)).json()
    access = next(
        row for row in report["sections"]["dataRequests"] if row["request_type"] == "access"
    )
    assert access["total"] == 1
    assert report["sections"]["consents"] == [{"purpose": "marketing", "granted": 1, "revoked": 0}]
    assert report["sections"]["securityIncidents"]["total_incidents"] == 1
    assert "SABG" in report["authority"]
    legacy = (await client.get(f"{BASE}/inai-report?{query}", headers=officer)).json()
    assert legacy["sections"] == report["sections"]
    pdf = await client.get(f"{BASE}/sabg-report?{query}&format=pdf", headers=officer)
    assert pdf.content.startswith(b"%PDF")


async def test_report_rejects_reversed_range(client: httpx.AsyncClient, app: FastAPI) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    response = await client.get(
        f"{BASE}/inai-report?startDate=2026-02-01&endDate=2026-01-01", headers=officer
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_date_range"


async def _codes(client: httpx.AsyncClient, officer: dict[str, str]) -> set[str]:
    result = (await client.get(f"{BASE}/check", headers=officer)).json()
    return {issue["code"] for issue in result["issues"]}


async def test_check_flags_unpublished_notice_and_processor(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    app.state.settings.chatwoot_base_url = "https://soporte.example.com"
    _officer, officer = await staff(client, app, "oficial@example.com")
    codes = await _codes(client, officer)
    assert "privacy_notice_unpublished" in codes
    assert "processor_without_contract" in codes


async def test_unconfigured_chatwoot_is_no_processor(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    assert "processor_without_contract" not in await _codes(client, officer)


async def test_notice_with_unset_address_is_rejected(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    response = await client.post(
        f"{BASE}/privacy-notices",
        json={"version": "1.0.0", "effectiveDate": "2026-01-01"},
        headers=officer,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "privacy_notice_placeholder"


async def test_check_flags_incomplete_notice(client: httpx.AsyncClient, app: FastAPI) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    await client.post(
        f"{BASE}/privacy-notices",
        json={
            "version": "1.0.0",
            "effectiveDate": "2026-01-01",
            "content": "Aviso breve sin los elementos que pide la ley.",
        },
        headers=officer,
    )
    assert "privacy_notice_incomplete" in await _codes(client, officer)


async def test_check_flags_overdue_request(client: httpx.AsyncClient, app: FastAPI) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    _officer, officer = await staff(client, app, "oficial@example.com")
    filed = (await client.post(f"{BASE}/data-access", json={}, headers=ana)).json()
    assert "overdue_requests" not in await _codes(client, officer)
    async with app.state.session_factory() as session, session.begin():
        await session.execute(
            update(DataRequest)
            .where(DataRequest.id == uuid.UUID(filed["requestId"]))
            .values(answer_due=utc_now().date() - timedelta(days=3))
        )
    assert "overdue_requests" in await _codes(client, officer)


async def test_check_flags_late_blocks(client: httpx.AsyncClient, app: FastAPI) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    _officer, officer = await staff(client, app, "oficial@example.com")
    await client.post(f"{BASE}/data-deletion", json={"reason": "Baja"}, headers=ana)
    assert "blocked_data_past_suppression" not in await _codes(client, officer)
    async with app.state.session_factory() as session, session.begin():
        await session.execute(
            update(DataBlock).values(suppress_after=utc_now() - timedelta(days=3))
        )
    assert "blocked_data_past_suppression" in await _codes(client, officer)


async def test_check_flags_broken_chain(client: httpx.AsyncClient, app: FastAPI) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    _officer, officer = await staff(client, app, "oficial@example.com")
    await client.post(f"{BASE}/data-access", json={}, headers=ana)
    assert "audit_chain_broken" not in await _codes(client, officer)
    async with app.state.session_factory() as session, session.begin():
        await session.execute(update(AuditTrail).values(action="edited"))
    assert "audit_chain_broken" in await _codes(client, officer)


async def test_check_recommends_consent_records(client: httpx.AsyncClient, app: FastAPI) -> None:
    await customer(client, "ana@example.com")
    _officer, officer = await staff(client, app, "oficial@example.com")
    result = (await client.get(f"{BASE}/check", headers=officer)).json()
    assert "1 usuario(s) sin registro de consentimiento." in result["recommendations"]


async def test_check_is_compliant_when_all_is_in_order(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    app.state.settings.compliance_processors = {"chatwoot": "2026-01-15"}
    _officer, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer)
    result = (await client.get(f"{BASE}/check", headers=officer)).json()
    assert result["compliant"] is True, result


async def test_officer_api_key_reads_the_check(client: httpx.AsyncClient, app: FastAPI) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    created = await client.post(
        "/v1/api-keys", json={"name": "Tablero", "scopes": ["compliance:read"]}, headers=officer
    )
    assert created.status_code == 201, created.text
    key = {"X-API-Key": created.json()["key"]}
    assert (await client.get(f"{BASE}/check", headers=key)).status_code == 200
    incident = await client.post(
        f"{BASE}/incidents",
        json={
            "title": "Prueba",
            "description": "Prueba",
            "detectedAt": utc_now().isoformat(),
            "dataInvolved": ["correo"],
        },
        headers=key,
    )
    assert incident.status_code == 403


async def test_queue_rejects_unknown_state(client: httpx.AsyncClient, app: FastAPI) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    response = await client.get(f"{BASE}/requests?state=lost", headers=officer)
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == "state"


async def test_incident_notice_split_into_batches(client: httpx.AsyncClient, app: FastAPI) -> None:
    """2,000 ids in one event would exceed the 64 KiB payload limit, so each event carries 500."""
    from cuenty.compliance.incidents import INCIDENT_NOTIFIED_EVENT
    from cuenty.kit.jobs.models import OutboxEntry

    _officer, officer = await staff(client, app, "oficial@example.com")
    affected = [str(uuid.uuid4()) for _ in range(2000)]
    created = await client.post(
        f"{BASE}/incidents",
        json={
            "title": "Respaldo expuesto",
            "description": "Un respaldo quedó público durante una hora.",
            "detectedAt": utc_now().isoformat(),
            "dataInvolved": ["correo"],
            "affectedUserIds": affected,
        },
        headers=officer,
    )
    incident_id = created.json()["id"]
    notified = await client.post(
        f"{BASE}/incidents/{incident_id}/notification",
        json={
            "whatHappened": "Respaldo expuesto",
            "recommendations": "Esté atento a correos sospechosos",
            "correctiveActions": "Respaldo retirado",
            "moreInformation": "privacidad@cuenty.mx",
        },
        headers=officer,
    )
    async with app.state.session_factory() as session:
        entries = list(
            await session.scalars(
                select(OutboxEntry)
                .where(OutboxEntry.name == INCIDENT_NOTIFIED_EVENT)
                .order_by(OutboxEntry.id)
            )
        )
    batches = [entry.payload["data"]["userIds"] for entry in entries]
    assert notified.status_code == 200, notified.text
    assert [len(batch) for batch in batches] == [500, 500, 500, 500]
    assert [user_id for batch in batches for user_id in batch] == affected
    assert {entry.payload["data"]["incidentId"] for entry in entries} == {incident_id}
