"""Cancellation: data blocked at receipt, suppressed after the grace period, fiscal records
kept blocked and anonymised after their retention period, on a controlled clock."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance import consents, registry, reports, tasks, trail
from cuenty.compliance.models import ConsentLog, DataBlock, DataRequest
from cuenty.identity.models import AuthSession, User
from cuenty.kit import jobs
from cuenty.kit.clock import business_date, utc_now
from tests.compliance.helpers import context_at, customer, publish_notice, staff

BASE = "/v1/compliance"
INVOICES: dict[uuid.UUID, dict[str, Any]] = {}


@registry.personal_data(
    "test_invoices", fiscal=True, retention_reason="Código Fiscal de la Federación, art. 30"
)
class InvoiceData:
    """A fiscal category kept in memory, standing in for the commerce package's invoices."""

    async def export(self, session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
        return {"invoices": [INVOICES[user_id]] if user_id in INVOICES else []}

    async def block(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        if user_id in INVOICES:
            INVOICES[user_id]["blocked"] = True

    async def suppress(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        if user_id in INVOICES:
            INVOICES[user_id].update(rfc=None, name=None)


def _job(app: FastAPI, now: datetime) -> jobs.JobContext:
    return jobs.JobContext(
        job_id=1,
        name=tasks.SUPPRESS_JOB,
        attempt=1,
        max_attempts=5,
        session_factory=app.state.session_factory,
        settings=app.state.settings,
        now=lambda: now,
    )


async def _cancel(client: httpx.AsyncClient, app: FastAPI) -> tuple[uuid.UUID, str, dict[str, str]]:
    ana_id, ana = await customer(client, "ana@example.com")
    INVOICES[ana_id] = {
        "folio": "F-1",
        "rfc": "LOAA800101AB1",
        "name": "Ana López",
        "total": "299.00",
    }
    _officer, officer = await staff(client, app, "oficial@example.com")
    await publish_notice(client, officer)
    await client.post(
        f"{BASE}/consent/register",
        json={"consentType": "marketing", "consentText": "Acepto", "version": "1.0.0"},
        headers=ana,
    )
    filed = await client.post(
        f"{BASE}/data-deletion", json={"reason": "Ya no uso el servicio"}, headers=ana
    )
    assert filed.status_code == 201, filed.text
    return ana_id, filed.json()["requestId"], officer


async def _grant(client: httpx.AsyncClient, officer: dict[str, str], request_id: str) -> None:
    url = f"{BASE}/requests/{request_id}"
    await client.post(
        f"{url}/verify-identity", json={"method": "id_document", "notes": "INE"}, headers=officer
    )
    answered = await client.post(
        f"{url}/answer",
        json={"decision": "granted", "answer": "Procede; calendario de supresión adjunto."},
        headers=officer,
    )
    assert answered.json()["state"] == "executing", answered.text


async def test_receipt_states_grace_and_blocks_processing(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    ana_id, request_id, _officer = await _cancel(client, app)
    async with app.state.session_factory() as session:
        request = await session.get(DataRequest, uuid.UUID(request_id))
        assert await consents.allows(session, ana_id, "marketing") is False
    assert request is not None
    assert INVOICES[ana_id]["blocked"] is True


async def test_withdrawal_lifts_the_block(client: httpx.AsyncClient, app: FastAPI) -> None:
    ana_id, request_id, _officer = await _cancel(client, app)
    ana = await _login_headers(client)
    response = await client.post(f"{BASE}/requests/{request_id}/withdraw", headers=ana)
    assert response.json()["state"] == "withdrawn"
    async with app.state.session_factory() as session:
        assert await consents.allows(session, ana_id, "marketing") is True


async def test_nothing_is_suppressed_during_grace(client: httpx.AsyncClient, app: FastAPI) -> None:
    ana_id, request_id, officer = await _cancel(client, app)
    await _grant(client, officer, request_id)
    await tasks.suppress_due(_job(app, utc_now() + timedelta(days=29)), {})
    async with app.state.session_factory() as session:
        user = await session.get(User, ana_id)
    assert user is not None
    assert user.email == "ana@example.com"


async def test_suppression_after_grace_keeps_fiscal_records(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    ana_id, request_id, officer = await _cancel(client, app)
    await _grant(client, officer, request_id)
    after_grace = utc_now() + timedelta(days=31)
    await tasks.suppress_due(_job(app, after_grace), {})
    await tasks.suppress_due(_job(app, after_grace + timedelta(hours=2)), {})

    async with app.state.session_factory() as session:
        user = await session.get(User, ana_id)
        request = await session.get(DataRequest, uuid.UUID(request_id))
        sessions = await session.scalar(
            select(func.count()).select_from(AuthSession).where(AuthSession.user_id == ana_id)
        )
        consent = await session.scalar(select(ConsentLog).where(ConsentLog.user_id == ana_id))
        blocks = {
            block.category: block
            for block in await session.scalars(
                select(DataBlock).where(DataBlock.request_id == uuid.UUID(request_id))
            )
        }
        breaks = await trail.verify(session, app.state.settings.secret("secret_key"))
    assert user is not None
    assert user.email.endswith("@suprimido.invalid")
    assert user.phone is None
    assert user.name == "Titular suprimido"
    assert sessions == 0
    assert consent is not None
    assert consent.ip_address is None
    assert request is not None
    assert request.state == "completed"
    assert blocks["identity"].suppressed_at is not None
    assert blocks["test_invoices"].suppressed_at is None
    assert INVOICES[ana_id]["rfc"] == "LOAA800101AB1"
    assert breaks == []


async def test_fiscal_records_anonymised_after_retention(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    ana_id, request_id, officer = await _cancel(client, app)
    await _grant(client, officer, request_id)
    after_grace = utc_now() + timedelta(days=31)
    await tasks.suppress_due(_job(app, after_grace), {})
    await tasks.suppress_due(_job(app, after_grace + timedelta(hours=2)), {})
    await tasks.suppress_due(_job(app, utc_now() + timedelta(days=5 * 365 + 2)), {})
    assert INVOICES[ana_id]["rfc"] is None
    assert INVOICES[ana_id]["total"] == "299.00"


async def test_suppression_waits_for_the_answer(client: httpx.AsyncClient, app: FastAPI) -> None:
    ana_id, _request_id, _officer = await _cancel(client, app)
    await tasks.suppress_due(_job(app, utc_now() + timedelta(days=31)), {})
    await tasks.suppress_due(_job(app, utc_now() + timedelta(days=32)), {})
    async with app.state.session_factory() as session:
        user = await session.get(User, ana_id)
    assert user is not None
    assert user.email == "ana@example.com"


async def test_suppression_is_audited_and_replayable(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    ana_id, request_id, officer = await _cancel(client, app)
    await _grant(client, officer, request_id)
    after_grace = utc_now() + timedelta(days=31)
    for offset in (timedelta(0), timedelta(hours=2), timedelta(hours=3)):
        await tasks.suppress_due(_job(app, after_grace + offset), {})
    from cuenty.compliance.models import AuditTrail

    async with app.state.session_factory() as session:
        suppressed = await session.scalar(
            select(func.count())
            .select_from(AuditTrail)
            .where(
                AuditTrail.action == "personal_data.suppressed",
                AuditTrail.subject_user_id == ana_id,
            )
        )
    # One audit row per category suppressed once, despite three runs; fiscal ones stay
    # blocked for their retention period instead.
    assert suppressed == len([item for item in registry.categories() if not item.fiscal])


async def _login_headers(client: httpx.AsyncClient) -> dict[str, str]:
    from tests.identity.helpers import bearer, login

    return bearer(await login(client, "ana@example.com"))


@pytest.fixture(autouse=True)
def _clear_invoices() -> None:
    INVOICES.clear()


async def test_deadline_alert_lists_due_requests(client: httpx.AsyncClient, app: FastAPI) -> None:
    from cuenty.kit.jobs.models import OutboxEntry

    _ana_id, request_id, _officer = await _cancel(client, app)
    context = _job(app, utc_now() + timedelta(days=26))
    await tasks.deadline_alerts(context, {})
    async with app.state.session_factory() as session:
        entry = await session.scalar(
            select(OutboxEntry).where(OutboxEntry.name == tasks.DEADLINE_ALERT_EVENT)
        )
    assert entry is not None
    assert [item["requestId"] for item in entry.payload["data"]["requests"]] == [request_id]


async def _overdue_at(app: FastAPI, now: datetime) -> tuple[list[str], int]:
    """Return the /check issue codes and the report's overdue count at a given time."""
    ctx = context_at(app, now)
    async with app.state.session_factory() as session:
        checked = await reports.check(session, ctx, "es-MX")
        report = await reports.authority_report(
            session, ctx, (now - timedelta(days=60)).date(), now.date()
        )
    codes = [issue["code"] for issue in checked["issues"]]
    return codes, report["sections"]["overdueRequests"]


async def test_granted_cancellation_not_overdue_in_grace(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """Answered at once, the cancellation waits 30 days to suppress; 25 days on it is on time."""
    _ana_id, request_id, officer = await _cancel(client, app)
    await _grant(client, officer, request_id)
    codes, overdue = await _overdue_at(app, utc_now() + timedelta(days=25))
    assert "overdue_requests" not in codes
    assert overdue == 0


async def test_granted_cancellation_due_after_suppression(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _ana_id, request_id, officer = await _cancel(client, app)
    await _grant(client, officer, request_id)
    async with app.state.session_factory() as session:
        request = await session.get(DataRequest, uuid.UUID(request_id))
        blocks = await session.scalars(
            select(DataBlock).where(
                DataBlock.request_id == uuid.UUID(request_id),
                DataBlock.retention_reason.is_(None),
            )
        )
        last_suppression = max(block.suppress_after for block in blocks)
    assert request is not None
    assert request.execution_due is not None
    assert request.execution_due > business_date(last_suppression)


async def test_cancellation_left_unsuppressed_is_flagged(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """The fix must not hide a suppression the job never carried out."""
    _ana_id, request_id, officer = await _cancel(client, app)
    await _grant(client, officer, request_id)
    codes, _overdue = await _overdue_at(app, utc_now() + timedelta(days=45))
    assert "overdue_requests" in codes
    assert "blocked_data_past_suppression" in codes


async def test_suppression_within_notice_hours_not_late(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the grace end and the notice hours plus a day, a block is not yet late."""
    monkeypatch.setattr(app.state.settings, "compliance_suppression_notice_hours", 48)
    _ana_id, request_id, officer = await _cancel(client, app)
    await _grant(client, officer, request_id)
    grace = timedelta(days=app.state.settings.compliance_grace_days)
    codes, _overdue = await _overdue_at(app, utc_now() + grace + timedelta(hours=40))
    assert "blocked_data_past_suppression" not in codes
