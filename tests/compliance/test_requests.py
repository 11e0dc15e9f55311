"""ARCO requests over HTTP: who may file and read, receipts with deadlines, and the whole
lifecycle of each request type."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from cuenty.compliance import consents
from cuenty.identity.models import AuthSession, User
from cuenty.kit.clock import utc_now
from tests.compliance.helpers import customer, publish_notice, staff

BASE = "/v1/compliance"


async def _verify(client: httpx.AsyncClient, officer: dict[str, str], request_id: str) -> None:
    response = await client.post(
        f"{BASE}/requests/{request_id}/verify-identity",
        json={"method": "id_document", "notes": "INE revisada en videollamada"},
        headers=officer,
    )
    assert response.status_code == 200, response.text


async def _answer(
    client: httpx.AsyncClient, officer: dict[str, str], request_id: str, **body: object
) -> httpx.Response:
    payload = {"decision": "granted", "answer": "Procede su solicitud.", **body}
    return await client.post(f"{BASE}/requests/{request_id}/answer", json=payload, headers=officer)


async def test_customer_cannot_file_for_another(client: httpx.AsyncClient) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    luis_id, _ = await customer(client, "luis@example.com")
    response = await client.post(f"{BASE}/data-access", json={"userId": str(luis_id)}, headers=ana)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_customer_cannot_read_another_request(client: httpx.AsyncClient) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    _luis, luis = await customer(client, "luis@example.com")
    filed = await client.post(f"{BASE}/data-access", json={}, headers=luis)
    request_id = filed.json()["requestId"]
    assert (await client.get(f"{BASE}/requests/{request_id}", headers=ana)).status_code == 404
    export = await client.get(f"{BASE}/requests/{request_id}/export", headers=ana)
    assert export.status_code == 404


async def test_customer_cannot_use_officer_queue(client: httpx.AsyncClient) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    assert (await client.get(f"{BASE}/requests", headers=ana)).status_code == 403


async def test_anonymous_caller_gets_401(client: httpx.AsyncClient) -> None:
    assert (await client.post(f"{BASE}/data-access", json={})).status_code == 401


async def test_access_receipt_is_202_with_folio_and_deadline(client: httpx.AsyncClient) -> None:
    ana_id, ana = await customer(client, "ana@example.com")
    response = await client.post(f"{BASE}/data-access", json={"userId": str(ana_id)}, headers=ana)
    assert response.status_code == 202, response.text
    receipt = response.json()
    assert receipt["folio"].startswith("ARCO-")
    assert receipt["state"] == "identity_pending"
    assert receipt["answerDue"] > receipt["receivedAt"][:10]
    assert "Recibimos su solicitud" in receipt["message"]


async def test_receipt_in_english_on_request(client: httpx.AsyncClient) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    response = await client.post(
        f"{BASE}/data-access", json={}, headers={**ana, "Accept-Language": "en"}
    )
    assert response.json()["message"].startswith("We received your request")


async def test_folios_are_numbered(client: httpx.AsyncClient) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    first = (await client.post(f"{BASE}/data-access", json={}, headers=ana)).json()["folio"]
    second = (await client.post(f"{BASE}/data-access", json={}, headers=ana)).json()["folio"]
    assert int(second.rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 1


async def test_access_lifecycle_releases_export(client: httpx.AsyncClient, app: FastAPI) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    _officer_id, officer = await staff(client, app, "oficial@example.com")
    request_id = (await client.post(f"{BASE}/data-access", json={}, headers=ana)).json()[
        "requestId"
    ]
    before = await client.get(f"{BASE}/requests/{request_id}/export", headers=ana)
    assert before.status_code == 404
    await _verify(client, officer, request_id)
    detail = (await client.get(f"{BASE}/requests/{request_id}", headers=ana)).json()
    assert detail["state"] == "completed"
    assert detail["identityMethod"] == "id_document"
    export = await client.get(f"{BASE}/requests/{request_id}/export", headers=ana)
    assert export.status_code == 200
    assert export.json()["data"]["identity"]["profile"]["email"] == "ana@example.com"
    pdf = await client.get(f"{BASE}/requests/{request_id}/export?format=pdf", headers=ana)
    assert pdf.content.startswith(b"%PDF")


async def test_export_expires(client: httpx.AsyncClient, app: FastAPI) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    _officer_id, officer = await staff(client, app, "oficial@example.com")
    request_id = (await client.post(f"{BASE}/data-access", json={}, headers=ana)).json()[
        "requestId"
    ]
    await _verify(client, officer, request_id)
    from cuenty.compliance.models import DataRequest

    async with app.state.session_factory() as session, session.begin():
        await session.execute(
            update(DataRequest)
            .where(DataRequest.id == uuid.UUID(request_id))
            .values(export_expires_at=utc_now() - timedelta(seconds=1))
        )
    export = await client.get(f"{BASE}/requests/{request_id}/export", headers=ana)
    assert export.status_code == 404
    assert export.json()["code"] == "export_unavailable"


async def test_fresh_two_factor_login_verifies_identity(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    ana_id, ana = await customer(client, "ana@example.com")
    async with app.state.session_factory() as session, session.begin():
        await session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == ana_id)
            .values(step_up_until=utc_now() + timedelta(minutes=5))
        )
    receipt = (await client.post(f"{BASE}/data-access", json={}, headers=ana)).json()
    assert receipt["state"] == "completed"
    assert receipt["identityMethod"] == "recent_2fa_login"


async def test_rectification_applies_and_audits(client: httpx.AsyncClient, app: FastAPI) -> None:
    ana_id, ana = await customer(client, "ana@example.com")
    _officer_id, officer = await staff(client, app, "oficial@example.com")
    filed = await client.post(
        f"{BASE}/data-rectification",
        json={"fieldsToUpdate": {"name": "Ana María López"}, "evidence": "Acta de nacimiento"},
        headers=ana,
    )
    assert filed.status_code == 201, filed.text
    request_id = filed.json()["requestId"]
    await _verify(client, officer, request_id)
    answered = await _answer(client, officer, request_id)
    assert answered.json()["state"] == "completed"
    async with app.state.session_factory() as session:
        user = await session.get(User, ana_id)
    assert user is not None
    assert user.name == "Ana María López"


async def test_rectification_publishes_user_updated(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """Processors that copy the profile (Chatwoot) sync on `user.updated`."""
    from cuenty.kit.jobs.models import OutboxEntry

    ana_id, ana = await customer(client, "ana@example.com")
    _officer_id, officer = await staff(client, app, "oficial@example.com")
    filed = await client.post(
        f"{BASE}/data-rectification",
        json={"fieldsToUpdate": {"name": "Ana María López"}, "evidence": "Acta de nacimiento"},
        headers=ana,
    )
    request_id = filed.json()["requestId"]
    await _verify(client, officer, request_id)
    await _answer(client, officer, request_id)
    async with app.state.session_factory() as session:
        entries = list(
            await session.scalars(select(OutboxEntry).where(OutboxEntry.name == "user.updated"))
        )
    assert [entry.payload["data"] for entry in entries] == [{"userId": str(ana_id)}]


async def test_rectification_rejects_unknown_field(client: httpx.AsyncClient) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    response = await client.post(
        f"{BASE}/data-rectification",
        json={"fieldsToUpdate": {"role": "admin"}, "evidence": "x" * 5},
        headers=ana,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/fieldsToUpdate/role"
    assert response.json()["errors"][0]["code"] == "extra_forbidden"


async def test_rectification_needs_a_field(client: httpx.AsyncClient) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    response = await client.post(
        f"{BASE}/data-rectification",
        json={"fieldsToUpdate": {}, "evidence": "Acta"},
        headers={**ana, "Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "Must have at least 1 item(s)."


async def test_rectification_normalizes_phone(client: httpx.AsyncClient, app: FastAPI) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    _officer_id, officer = await staff(client, app, "oficial@example.com")
    filed = await client.post(
        f"{BASE}/data-rectification",
        json={"fieldsToUpdate": {"phone": "55 1234 5678"}, "evidence": "Recibo telefónico"},
        headers=ana,
    )
    request_id = filed.json()["requestId"]
    await _verify(client, officer, request_id)
    await _answer(client, officer, request_id)
    profile = await client.get("/v1/users/me", headers=ana)
    assert profile.json()["phone"] == "+525512345678"


async def test_answer_requires_verified_identity(client: httpx.AsyncClient, app: FastAPI) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    _officer_id, officer = await staff(client, app, "oficial@example.com")
    request_id = (
        await client.post(
            f"{BASE}/data-opposition",
            json={"dataTypes": ["marketing"], "reason": "No quiero publicidad"},
            headers=ana,
        )
    ).json()["requestId"]
    response = await _answer(client, officer, request_id)
    assert response.status_code == 409
    assert response.json()["code"] == "identity_not_verified"


async def test_refusal_needs_legal_ground(client: httpx.AsyncClient, app: FastAPI) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    _officer_id, officer = await staff(client, app, "oficial@example.com")
    request_id = (await client.post(f"{BASE}/data-access", json={}, headers=ana)).json()[
        "requestId"
    ]
    missing = await _answer(client, officer, request_id, decision="refused")
    assert missing.status_code == 422
    refused = await _answer(
        client,
        officer,
        request_id,
        decision="refused",
        refusalGround="not_titular_or_representative",
    )
    assert refused.json()["state"] == "refused"


async def test_opposition_stops_purpose_without_ending_service(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    ana_id, ana = await customer(client, "ana@example.com")
    _officer_id, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer)
    await client.post(
        f"{BASE}/consent/register",
        json={"consentType": "marketing", "consentText": "Acepto ofertas", "version": "1.0.0"},
        headers=ana,
    )
    filed = await client.post(
        f"{BASE}/data-opposition",
        json={"dataTypes": ["marketing", "automated_decisions"], "reason": "No"},
        headers=ana,
    )
    request_id = filed.json()["requestId"]
    async with app.state.session_factory() as session:
        assert await consents.allows(session, ana_id, "marketing") is False
    await _verify(client, officer, request_id)
    assert (await _answer(client, officer, request_id)).json()["state"] == "completed"
    async with app.state.session_factory() as session:
        assert await consents.allows(session, ana_id, "marketing") is False
        user = await session.get(User, ana_id)
    assert user is not None
    assert user.is_active is True


async def test_information_requested_once_restarts_clock(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    _officer_id, officer = await staff(client, app, "oficial@example.com")
    request_id = (await client.post(f"{BASE}/data-access", json={}, headers=ana)).json()[
        "requestId"
    ]
    url = f"{BASE}/requests/{request_id}"
    asked = await client.post(
        f"{url}/request-information", json={"message": "Envíe su INE"}, headers=officer
    )
    assert asked.json()["state"] == "info_requested"
    again = await client.post(
        f"{url}/request-information", json={"message": "Otra vez"}, headers=officer
    )
    assert again.status_code == 409
    replied = await client.post(f"{url}/information", json={"information": "Adjunto"}, headers=ana)
    assert replied.json()["state"] == "identity_pending"


async def test_extension_allowed_once(client: httpx.AsyncClient, app: FastAPI) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    _officer_id, officer = await staff(client, app, "oficial@example.com")
    filed = (await client.post(f"{BASE}/data-access", json={}, headers=ana)).json()
    url = f"{BASE}/requests/{filed['requestId']}/extend"
    first = await client.post(url, json={"reason": "Volumen de información"}, headers=officer)
    assert first.status_code == 200
    assert first.json()["answerDue"] > filed["answerDue"]
    assert first.json()["extensionReason"] == "Volumen de información"
    second = await client.post(url, json={"reason": "Otra"}, headers=officer)
    assert second.status_code == 409


async def test_officer_files_for_representative(client: httpx.AsyncClient, app: FastAPI) -> None:
    ana_id, _ana = await customer(client, "ana@example.com")
    _officer_id, officer = await staff(client, app, "oficial@example.com")
    response = await client.post(
        f"{BASE}/data-access",
        json={
            "userId": str(ana_id),
            "channel": "email",
            "representative": {"name": "Lic. Pérez", "documentReference": "Poder 123/2026"},
        },
        headers=officer,
    )
    assert response.status_code == 202
    assert response.json()["channel"] == "email"
    queue = await client.get(f"{BASE}/requests?state=identity_pending", headers=officer)
    assert [item["userId"] for item in queue.json()["items"]] == [str(ana_id)]


async def test_customer_cannot_claim_representative(client: httpx.AsyncClient) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    response = await client.post(
        f"{BASE}/data-access",
        json={"representative": {"name": "Yo", "documentReference": "Nada"}},
        headers=ana,
    )
    assert response.status_code == 403


async def test_queue_filters_overdue(client: httpx.AsyncClient, app: FastAPI) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    _officer_id, officer = await staff(client, app, "oficial@example.com")
    old = (await client.post(f"{BASE}/data-access", json={}, headers=ana)).json()
    await client.post(f"{BASE}/data-access", json={}, headers=ana)
    from cuenty.compliance.models import DataRequest

    async with app.state.session_factory() as session, session.begin():
        row = await session.get(DataRequest, uuid.UUID(old["requestId"]))
        assert row is not None
        row.answer_due = row.received_at.date() - timedelta(days=40)
    overdue = await client.get(f"{BASE}/requests?overdue=true", headers=officer)
    assert [item["folio"] for item in overdue.json()["items"]] == [old["folio"]]
    soon = await client.get(f"{BASE}/requests?dueWithinDays=25", headers=officer)
    assert len(soon.json()["items"]) == 2


async def test_state_changes_are_audited(client: httpx.AsyncClient, app: FastAPI) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    _officer_id, officer = await staff(client, app, "oficial@example.com")
    request_id = (await client.post(f"{BASE}/data-access", json={}, headers=ana)).json()[
        "requestId"
    ]
    await _verify(client, officer, request_id)
    from cuenty.compliance.models import AuditTrail

    async with app.state.session_factory() as session:
        actions = list(
            await session.scalars(
                select(AuditTrail.action)
                .where(AuditTrail.resource_id == request_id)
                .order_by(AuditTrail.id)
            )
        )
    assert actions == ["arco.received", "arco.identity_verified", "arco.access_released"]


async def test_filing_publishes_request_created(client: httpx.AsyncClient, app: FastAPI) -> None:
    ana_id, ana = await customer(client, "ana@example.com")
    receipt = (await client.post(f"{BASE}/data-access", json={}, headers=ana)).json()
    from cuenty.kit.jobs.models import OutboxEntry

    async with app.state.session_factory() as session:
        entry = await session.scalar(
            select(OutboxEntry).where(OutboxEntry.name == "compliance.request_created")
        )
    assert entry is not None
    assert entry.payload["data"] == {
        "requestId": receipt["requestId"],
        "userId": str(ana_id),
        "folio": receipt["folio"],
        "requestType": "access",
        "dueDate": receipt["answerDue"],
        "channel": "web",
    }


async def test_officer_cannot_withdraw_titular_request(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _ana, ana = await customer(client, "ana@example.com")
    _officer_id, officer = await staff(client, app, "oficial@example.com")
    filed = (await client.post(f"{BASE}/data-access", json={}, headers=ana)).json()
    response = await client.post(f"{BASE}/requests/{filed['requestId']}/withdraw", headers=officer)
    assert response.status_code == 403
    assert response.json()["code"] == "titular_only"
    mine = await client.get(f"{BASE}/requests/{filed['requestId']}", headers=ana)
    assert mine.json()["state"] != "withdrawn"


async def test_officer_cannot_provide_information(client: httpx.AsyncClient, app: FastAPI) -> None:
    """Replying for the titular would restart the 20-day clock without them."""
    _ana, ana = await customer(client, "ana@example.com")
    _officer_id, officer = await staff(client, app, "oficial@example.com")
    filed = (await client.post(f"{BASE}/data-access", json={}, headers=ana)).json()
    url = f"{BASE}/requests/{filed['requestId']}"
    await client.post(
        f"{url}/request-information", json={"message": "Envíe su INE"}, headers=officer
    )
    response = await client.post(
        f"{url}/information", json={"information": "Adjunto"}, headers=officer
    )
    assert response.status_code == 403
    assert response.json()["code"] == "titular_only"


async def test_officer_withdraws_for_representative(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """With the representation document recorded, the officer enters the withdrawal."""
    ana_id, _ana = await customer(client, "ana@example.com")
    _officer_id, officer = await staff(client, app, "oficial@example.com")
    filed = await client.post(
        f"{BASE}/data-access",
        json={
            "userId": str(ana_id),
            "channel": "in_person",
            "representative": {"name": "Luis Pérez", "documentReference": "Poder 123/2026"},
        },
        headers=officer,
    )
    assert filed.status_code == 202, filed.text
    url = f"{BASE}/requests/{filed.json()['requestId']}/withdraw"
    response = await client.post(url, headers=officer)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "withdrawn"
