"""The compliance package's events become notifications: breach notices to each affected
titular, the warning before suppression and deadline alerts for compliance officers. ARCO
replies go by the channel the request came by. When no provider reaches that channel, the
reply is recorded for the officer instead.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.compliance.models import SecurityIncident
from cuenty.kit.db import create_session_factory, transaction
from tests.notifications.support import add_user, notifications, scripted_providers
from tests.notifications.test_events import emit, runner

SQLITE = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
NOTICE = {
    "whatHappened": "Un tercero accedió a una copia de respaldo.",
    "recommendations": "Cambia tu contraseña.",
    "correctiveActions": "Cerramos el acceso.",
    "moreInformation": "https://cuenty.mx/privacidad/incidentes",
    "dataInvolved": ["nombre", "correo electrónico"],
}


async def add_incident(engine: AsyncEngine, user_ids: list[uuid.UUID]) -> uuid.UUID:
    incident = SecurityIncident(
        title="Respaldo expuesto",
        description="Copia de respaldo accesible sin autenticación.",
        detected_at=datetime(2026, 12, 1, tzinfo=UTC),
        data_involved=NOTICE["dataInvolved"],
        affected_user_ids=[str(user_id) for user_id in user_ids],
        status="notified",
        notification=NOTICE,
    )
    async with transaction(create_session_factory(engine)) as session:
        session.add(incident)
    return incident.id


def arco_event(user_id: uuid.UUID, channel: str) -> dict[str, Any]:
    return {
        "requestId": str(uuid.uuid4()),
        "userId": str(user_id),
        "folio": "ARCO-2026-0007",
        "requestType": "acceso",
        "dueDate": "2027-01-05",
        "channel": channel,
    }


@SQLITE
async def test_incident_notice_reaches_each_titular(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    ana = await add_user(factory, phone="+525512345678")
    luis = await add_user(factory, phone="+525587654321", name="Luis Pérez")
    incident_id = await add_incident(engine, [ana.id, luis.id])
    deleted = uuid.uuid4()
    user_ids = [str(ana.id), str(luis.id), str(deleted)]
    await emit(engine, "compliance.incident_notified", incidentId=incident_id, userIds=user_ids)
    providers = scripted_providers()

    await runner(engine, providers).run_pending()

    rows = await notifications(factory)
    assert {row.user_id for row in rows} == {ana.id, luis.id}
    assert {row.template for row in rows} == {"security_incident_notice"}
    assert {row.status for row in rows} == {"sent"}
    assert NOTICE["whatHappened"] in providers["whatsapp"].sent[0].body
    assert "nombre, correo electrónico" in providers["whatsapp"].sent[0].body


@SQLITE
async def test_incident_notice_sent_once_per_titular(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    ana = await add_user(factory, phone="+525512345678")
    incident_id = await add_incident(engine, [ana.id])
    for _ in range(2):
        await emit(
            engine, "compliance.incident_notified", incidentId=incident_id, userIds=[str(ana.id)]
        )
    providers = scripted_providers()

    await runner(engine, providers).run_pending()

    assert len(await notifications(factory)) == 1
    assert len(providers["whatsapp"].sent) == 1


@SQLITE
async def test_suppression_warning_reaches_titular(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    ana = await add_user(factory, phone="+525512345678")
    await emit(
        engine,
        "compliance.suppression_started",
        requestId=str(uuid.uuid4()),
        userId=str(ana.id),
        folio="ARCO-2026-0009",
    )
    providers = scripted_providers()

    await runner(engine, providers).run_pending()

    rows = await notifications(factory)
    assert [row.template for row in rows] == ["arco_suppression_notice"]
    assert "ARCO-2026-0009" in providers["whatsapp"].sent[0].body


@SQLITE
async def test_deadline_alert_reaches_officers_only(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    officer = await add_user(factory, phone="+525512345678", role="compliance_officer")
    await add_user(factory, phone="+525587654321", role="operations")
    await add_user(factory, phone="+525511112222", role="customer")
    requests = [
        {
            "requestId": str(uuid.uuid4()),
            "folio": f"ARCO-2026-{number:04d}",
            "dueDate": "2026-12-10",
            "businessDaysLeft": 4 - number,
        }
        for number in range(12)
    ]
    await emit(engine, "compliance.deadline_alert", requests=requests)
    providers = scripted_providers()

    await runner(engine, providers).run_pending()

    rows = await notifications(factory)
    body = providers["whatsapp"].sent[0].body
    assert [row.user_id for row in rows] == [officer.id]
    assert "(vencidas: 7)" in body
    assert "ARCO-2026-0009" in body
    assert "ARCO-2026-0010" not in body
    assert "Y 2 más." in body


@SQLITE
@pytest.mark.parametrize("channel", ["email", "whatsapp"])
async def test_arco_reply_uses_request_channel(engine: AsyncEngine, channel: str) -> None:
    factory = create_session_factory(engine)
    ana = await add_user(factory, phone="+525512345678", delivery_channel="sms")
    await emit(engine, "compliance.request_created", **arco_event(ana.id, channel))
    providers = scripted_providers()

    await runner(engine, providers).run_pending()

    rows = await notifications(factory)
    assert [row.channel for row in rows] == [channel]
    assert len(providers[channel].sent) == 1


@SQLITE
async def test_arco_reply_from_web_uses_preferred_channel(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    ana = await add_user(factory, phone="+525512345678", delivery_channel="sms")
    await emit(engine, "compliance.request_completed", **arco_event(ana.id, "web"))
    providers = scripted_providers()

    await runner(engine, providers).run_pending()

    assert [row.channel for row in await notifications(factory)] == ["sms"]


@SQLITE
@pytest.mark.parametrize("channel", ["phone", "mail", "in_person"])
async def test_arco_reply_by_offline_channel_is_recorded(engine: AsyncEngine, channel: str) -> None:
    factory = create_session_factory(engine)
    ana = await add_user(factory, phone="+525512345678")
    await emit(engine, "compliance.request_completed", **arco_event(ana.id, channel))
    providers = scripted_providers()

    await runner(engine, providers).run_pending()

    rows = await notifications(factory)
    assert all(provider.sent == [] for provider in providers.values())
    assert [row.status for row in rows] == ["suppressed"]
    assert rows[0].context["requestChannel"] == channel
    assert rows[0].last_error == (
        f"the request came by {channel}; the officer answers by that channel"
    )
