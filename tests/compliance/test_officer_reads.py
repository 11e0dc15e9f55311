"""Officer reads added for the web console: a request's running deadline, its timeline
from the audit trail, and consent statistics per purpose."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from cuenty.compliance.models import DataRequest
from cuenty.kit.clock import business_date, utc_now
from cuenty.mexico.calendar import federal_calendar
from tests.compliance.helpers import customer, publish_notice, staff

BASE = "/v1/compliance"


async def _set_answer_due(app: FastAPI, request_id: str, days_from_today: int) -> None:
    due = business_date(utc_now()) + timedelta(days=days_from_today)
    async with app.state.session_factory() as session, session.begin():
        await session.execute(
            update(DataRequest)
            .where(DataRequest.id == uuid.UUID(request_id))
            .values(answer_due=due)
        )


async def _file_access(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.post(f"{BASE}/data-access", json={}, headers=headers)
    assert response.status_code == 202, response.text
    return str(response.json()["requestId"])


async def test_new_request_is_on_time(client: httpx.AsyncClient, app: FastAPI) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    _ana, ana = await customer(client, "ana@example.com")
    request_id = await _file_access(client, ana)
    found = (await client.get(f"{BASE}/requests/{request_id}", headers=officer)).json()
    assert found["deadlineStatus"] == "on_time"
    assert found["businessDaysLeft"] == 20
    assert found["pendingDue"] == found["answerDue"]


async def test_past_due_request_is_overdue(client: httpx.AsyncClient, app: FastAPI) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    _ana, ana = await customer(client, "ana@example.com")
    request_id = await _file_access(client, ana)
    await _set_answer_due(app, request_id, -7)
    page = (await client.get(f"{BASE}/requests", headers=officer)).json()
    item = page["items"][0]
    assert item["deadlineStatus"] == "overdue"
    assert item["businessDaysLeft"] < 0


async def test_near_deadline_is_due_soon(client: httpx.AsyncClient, app: FastAPI) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    _ana, ana = await customer(client, "ana@example.com")
    request_id = await _file_access(client, ana)
    today = business_date(utc_now())
    due = federal_calendar().add_business_days(today, 2)
    await _set_answer_due(app, request_id, (due - today).days)
    found = (await client.get(f"{BASE}/requests/{request_id}", headers=officer)).json()
    assert found["deadlineStatus"] == "due_soon"
    assert found["businessDaysLeft"] == 2


async def test_finished_request_has_no_running_deadline(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    _ana, ana = await customer(client, "ana@example.com")
    request_id = await _file_access(client, ana)
    await client.post(f"{BASE}/requests/{request_id}/withdraw", headers=ana)
    found = (await client.get(f"{BASE}/requests/{request_id}", headers=officer)).json()
    assert found["state"] == "withdrawn"
    assert found["pendingDue"] is None
    assert found["deadlineStatus"] is None


async def test_events_list_each_step_with_its_actor(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    officer_id, officer = await staff(client, app, "oficial@example.com")
    ana_id, ana = await customer(client, "ana@example.com")
    request_id = await _file_access(client, ana)
    verified = await client.post(
        f"{BASE}/requests/{request_id}/verify-identity",
        json={"method": "id_document", "notes": "INE revisada"},
        headers=officer,
    )
    assert verified.status_code == 200, verified.text
    response = await client.get(f"{BASE}/requests/{request_id}/events", headers=officer)
    assert response.status_code == 200, response.text
    events = response.json()
    actions = [event["action"] for event in events]
    assert actions[:3] == ["arco.received", "arco.identity_verified", "arco.access_released"]
    assert events[0]["actorUserId"] == str(ana_id)
    assert events[1]["actorUserId"] == str(officer_id)
    assert events[1]["actorRole"] == "compliance_officer"
    assert events[1]["newValues"]["method"] == "id_document"
    assert events[1]["oldValues"] == {"state": "identity_pending"}


async def test_customer_cannot_read_events(client: httpx.AsyncClient) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    request_id = await _file_access(client, ana)
    response = await client.get(f"{BASE}/requests/{request_id}/events", headers=ana)
    assert response.status_code == 403


async def test_events_of_unknown_request_are_404(client: httpx.AsyncClient, app: FastAPI) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    response = await client.get(f"{BASE}/requests/{uuid.uuid4()}/events", headers=officer)
    assert response.status_code == 404


async def _consent(
    client: httpx.AsyncClient, headers: dict[str, str], purpose: str, revoke: bool = False
) -> None:
    body = {"consentType": purpose, "consentText": "Acepto", "version": "1.0.0"}
    granted = await client.post(f"{BASE}/consent/register", json=body, headers=headers)
    assert granted.status_code == 201, granted.text
    if revoke:
        revoked = await client.post(
            f"{BASE}/consent/revoke", json={"consentType": purpose}, headers=headers
        )
        assert revoked.status_code == 201, revoked.text


async def test_consent_stats_count_per_purpose(client: httpx.AsyncClient, app: FastAPI) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer)
    _ana, ana = await customer(client, "ana@example.com")
    _luis, luis = await customer(client, "luis@example.com")
    await _consent(client, ana, "marketing")
    await _consent(client, luis, "marketing", revoke=True)
    await _consent(client, luis, "analytics")
    response = await client.get(f"{BASE}/consents/stats", headers=officer)
    assert response.status_code == 200, response.text
    rows = {row["purpose"]: row for row in response.json()["purposes"]}
    assert rows["marketing"]["granted"] == 2
    assert rows["marketing"]["revoked"] == 1
    assert rows["marketing"]["currentlyGranted"] == 1
    assert rows["analytics"]["currentlyGranted"] == 1
    assert rows["automated_decisions"]["granted"] == 0
    assert rows["financial_data"]["primary"] is True


async def test_consent_stats_period_excludes_other_days(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer)
    _ana, ana = await customer(client, "ana@example.com")
    await _consent(client, ana, "marketing")
    yesterday = (business_date(utc_now()) - timedelta(days=1)).isoformat()
    response = await client.get(
        f"{BASE}/consents/stats",
        params={"startDate": yesterday, "endDate": yesterday},
        headers=officer,
    )
    rows = {row["purpose"]: row for row in response.json()["purposes"]}
    assert rows["marketing"]["granted"] == 0
    assert rows["marketing"]["currentlyGranted"] == 1


async def test_consent_stats_reject_reversed_period(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _officer, officer = await staff(client, app, "oficial@example.com")
    response = await client.get(
        f"{BASE}/consents/stats",
        params={"startDate": "2026-03-10", "endDate": "2026-03-01"},
        headers=officer,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_date_range"


async def test_customer_cannot_read_consent_stats(client: httpx.AsyncClient) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    response = await client.get(f"{BASE}/consents/stats", headers=ana)
    assert response.status_code == 403


async def test_operations_cannot_read_consent_stats(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _ops, ops = await staff(client, app, "ops@example.com", role="operations")
    response = await client.get(f"{BASE}/consents/stats", headers=ops)
    assert response.status_code == 403
