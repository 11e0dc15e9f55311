"""KPI alerts: a threshold fires once, the cooldown suppresses repeats, a forecast rule with
little history reports it, an outlier against the forecast fires, and staff are notified."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.analytics.rollups import alerts
from cuenty.analytics.rollups.models import KpiAlertFiring, KpiAlertRule
from cuenty.analytics.rollups.tasks import run_refresh
from cuenty.kit import jobs, locks
from cuenty.kit.db import create_session_factory, transaction
from cuenty.kit.jobs.models import OutboxEntry
from cuenty.notifications.events import kpi_alert_fired
from cuenty.notifications.models import Notification
from cuenty.notifications.templates import format_metric, render
from tests.analytics.rollup_support import event, refresh, store
from tests.compliance.helpers import customer, staff
from tests.conftest import make_settings

NOW = datetime(2026, 3, 20, 18, 30, tzinfo=UTC)


async def _rule(engine: AsyncEngine, **values: Any) -> uuid.UUID:
    defaults: dict[str, Any] = {
        "name": "Ingresos altos",
        "metric": "revenue",
        "comparison": "gt",
        "threshold": Decimal("100"),
        "window_hours": 24,
        "cooldown_minutes": 60,
        "recipients": {"roles": ["operations"], "userIds": []},
        "active": True,
    }
    rule = KpiAlertRule(id=uuid.uuid4(), **{**defaults, **values})
    async with transaction(create_session_factory(engine)) as session:
        session.add(rule)
    return rule.id


async def _evaluate(engine: AsyncEngine, now: datetime) -> list[alerts.Evaluation]:
    await refresh(engine, now=now)
    async with transaction(create_session_factory(engine)) as session:
        return await alerts.evaluate_rules(session, now)


async def _firings(engine: AsyncEngine) -> list[KpiAlertFiring]:
    async with create_session_factory(engine)() as session:
        return list(await session.scalars(select(KpiAlertFiring)))


async def test_threshold_fires_once(engine: AsyncEngine) -> None:
    await _rule(engine)
    await store(engine, event("payment", NOW - timedelta(hours=2), amount="150.00"))
    evaluations = await _evaluate(engine, NOW)

    assert [evaluation.status for evaluation in evaluations] == ["fired"]
    firings = await _firings(engine)
    assert len(firings) == 1
    assert firings[0].value == Decimal("150.00")


async def test_threshold_below_does_not_fire(engine: AsyncEngine) -> None:
    await _rule(engine)
    await store(engine, event("payment", NOW - timedelta(hours=2), amount="50.00"))
    evaluations = await _evaluate(engine, NOW)
    assert evaluations[0].status == "ok"
    assert await _firings(engine) == []


async def test_cooldown_suppresses_repeat(engine: AsyncEngine) -> None:
    rule_id = await _rule(engine)
    await store(engine, event("payment", NOW - timedelta(hours=2), amount="150.00"))
    await _evaluate(engine, NOW)
    again = await _evaluate(engine, NOW + timedelta(minutes=5))
    later = await _evaluate(engine, NOW + timedelta(minutes=61))

    assert again[0].status == "suppressed"
    assert later[0].status == "fired"
    assert len(await _firings(engine)) == 2
    async with create_session_factory(engine)() as session:
        rule = await session.get(KpiAlertRule, rule_id)
    assert rule is not None
    assert rule.last_evaluation is not None
    assert rule.last_evaluation["status"] == "fired"


async def test_forecast_needs_history(engine: AsyncEngine) -> None:
    rule_id = await _rule(engine, comparison="outside_forecast", threshold=None)
    for days_ago in range(1, 6):
        moment = NOW - timedelta(days=days_ago)
        await store(engine, event("payment", moment, amount="100.00"))
    evaluations = await _evaluate(engine, NOW)

    assert evaluations[0].status == "insufficient_history"
    assert evaluations[0].reason == "Needs {needed} days of history, has {available}."
    assert evaluations[0].reason_params == {"needed": "14", "available": "4"}
    assert await _firings(engine) == []
    async with create_session_factory(engine)() as session:
        rule = await session.get(KpiAlertRule, rule_id)
    assert rule is not None and rule.last_evaluation is not None
    assert rule.last_evaluation["reasonParams"] == {"needed": "14", "available": "4"}


async def test_history_reason_follows_locale(
    engine: AsyncEngine, client: httpx.AsyncClient, app: FastAPI
) -> None:
    headers = await _ops(client, app)
    rule_id = await _rule(engine, comparison="outside_forecast", threshold=None)
    await _evaluate(engine, NOW)
    path = f"/v1/analytics/alerts/rules/{rule_id}"

    spanish = await client.get(path, headers=headers)
    english = await client.get(path, headers={**headers, "Accept-Language": "en"})

    assert spanish.json()["lastEvaluation"]["reason"] == "Necesita 14 días de historial, tiene 0."
    assert english.json()["lastEvaluation"]["reason"] == "Needs 14 days of history, has 0."


async def test_forecast_flags_outlier(engine: AsyncEngine) -> None:
    await _rule(engine, comparison="outside_forecast", threshold=None, metric="payments")
    rows = []
    for days_ago in range(2, 32):
        moment = NOW - timedelta(days=days_ago)
        for index in range(10 + days_ago % 3):
            rows.append(event("payment", moment + timedelta(minutes=index), amount="10.00"))
    # Yesterday, the window: far more payments than any day before.
    for index in range(60):
        rows.append(event("payment", NOW - timedelta(days=1, minutes=index), amount="10.00"))
    await store(engine, *rows)
    evaluations = await _evaluate(engine, NOW)

    assert evaluations[0].status == "fired"
    assert evaluations[0].upper is not None
    assert evaluations[0].value is not None and evaluations[0].value > evaluations[0].upper


async def test_firing_notifies_staff(
    engine: AsyncEngine, client: httpx.AsyncClient, app: FastAPI
) -> None:
    ops_id, _ = await staff(client, app, "ops@example.com", role="operations")
    await _rule(engine)
    await store(engine, event("payment", NOW - timedelta(hours=2), amount="150.00"))
    await _evaluate(engine, NOW)

    async with transaction(create_session_factory(engine)) as session:
        entry = await session.scalar(
            select(OutboxEntry).where(OutboxEntry.name == alerts.FIRED_EVENT)
        )
        assert entry is not None
        sent = await kpi_alert_fired(
            session, entry.payload["id"], entry.payload["data"], NOW.isoformat()
        )
    async with create_session_factory(engine)() as session:
        notifications = list(
            await session.scalars(select(Notification).where(Notification.template == "kpi_alert"))
        )
    assert sent == 1
    assert [notification.user_id for notification in notifications] == [ops_id]
    assert notifications[0].context["value"] == "$150.00 MXN"
    assert notifications[0].context["bound"] == "$100.00 MXN"


async def test_refresh_job_skips_while_leased(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    context = jobs.JobContext(
        job_id=1,
        name="analytics.refresh_rollups",
        attempt=1,
        max_attempts=2,
        session_factory=factory,
        settings=make_settings(),
        now=lambda: NOW,
    )
    lease = await locks.acquire(
        factory, "analytics.refresh_rollups", owner="other", ttl=timedelta(minutes=5)
    )
    assert lease is not None
    skipped = await run_refresh(context, full=False)
    await locks.release(factory, lease)
    ran = await run_refresh(context, full=False)

    assert skipped is False
    assert ran is True


async def _ops(client: httpx.AsyncClient, app: FastAPI) -> dict[str, str]:
    _, headers = await staff(client, app, "ops@example.com", role="operations")
    return headers


RULE = {
    "name": "Pocos pagos",
    "metric": "payments",
    "comparison": "lt",
    "threshold": 5,
    "windowHours": 24,
}


async def test_rule_crud(client: httpx.AsyncClient, app: FastAPI) -> None:
    headers = await _ops(client, app)
    created = await client.post("/v1/analytics/alerts/rules", json=RULE, headers=headers)
    assert created.status_code == 201, created.text
    rule_id = created.json()["id"]
    assert created.json()["recipients"]["roles"] == ["operations", "admin"]

    changed = await client.patch(
        f"/v1/analytics/alerts/rules/{rule_id}", json={"threshold": 7}, headers=headers
    )
    assert changed.json()["threshold"] == 7.0
    listed = await client.get("/v1/analytics/alerts/rules", headers=headers)
    assert [rule["id"] for rule in listed.json()] == [rule_id]
    deleted = await client.delete(f"/v1/analytics/alerts/rules/{rule_id}", headers=headers)
    assert deleted.status_code == 204
    missing = await client.get(f"/v1/analytics/alerts/rules/{rule_id}", headers=headers)
    assert missing.status_code == 404


async def test_rule_needs_threshold(client: httpx.AsyncClient, app: FastAPI) -> None:
    body = {**RULE}
    del body["threshold"]
    response = await client.post(
        "/v1/analytics/alerts/rules", json=body, headers=await _ops(client, app)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/threshold"


async def test_forecast_rule_needs_whole_days(client: httpx.AsyncClient, app: FastAPI) -> None:
    body = {**RULE, "comparison": "outside_forecast", "windowHours": 36}
    del body["threshold"]
    response = await client.post(
        "/v1/analytics/alerts/rules", json=body, headers=await _ops(client, app)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "whole_days"


async def test_rule_rejects_non_staff_recipient(client: httpx.AsyncClient, app: FastAPI) -> None:
    headers = await _ops(client, app)
    customer_id, _ = await customer(client, "ana@example.com")
    body = {**RULE, "recipients": {"userIds": [str(customer_id)]}}
    response = await client.post("/v1/analytics/alerts/rules", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/recipients/userIds"


async def test_rules_customer_forbidden(client: httpx.AsyncClient) -> None:
    _, headers = await customer(client, "ana@example.com")
    response = await client.get("/v1/analytics/alerts/rules", headers=headers)
    assert response.status_code == 403


async def test_firings_anonymous_unauthorized(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/analytics/alerts/firings")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("metric", "value", "text"),
    [
        ("revenue", 70.0, "$70.00 MXN"),
        ("visits", 124.0, "124"),
        ("payments", 1234.6, "1,235"),
        ("conversion_rate", 0.0345, "3.45%"),
    ],
)
def test_alert_values_formatted_by_metric(metric: str, value: float, text: str) -> None:
    assert format_metric(metric, value) == text


def test_alert_message_shows_money() -> None:
    context = {
        "ruleName": "Ingresos bajos",
        "metric": "revenue",
        "value": format_metric("revenue", 70.0),
        "comparison": "lt",
        "bound": format_metric("revenue", 100),
        "windowStart": NOW.isoformat(),
        "windowEnd": NOW.isoformat(),
    }

    rendered = render("kpi_alert", "es-MX", context)

    assert "ingreso neto = $70.00 MXN, menor que $100.00 MXN" in rendered.body
