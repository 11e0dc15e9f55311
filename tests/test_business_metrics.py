"""Business gauges on /metrics read waiting work from the database, and each service exports
only its own; the request log line names the signed-in user."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.app import create_app
from cuenty.compliance.deadlines import business_days_left, calendar_for
from cuenty.compliance.models import DataRequest
from cuenty.kit.clock import business_date, utc_now
from cuenty.kit.db import transaction
from cuenty.payments.models import ReceivedTransfer
from cuenty.webhooks.models import WebhookEndpoint, WebhookMessage
from tests.commerce_support import person
from tests.conftest import TestDatabase, client_for, make_settings
from tests.notifications.support import add_user


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float | None:
    return samples(text).get((name, tuple(sorted(labels.items()))))


async def add_transfer(factory: Any, state: str, received_at: datetime) -> None:
    async with transaction(factory) as session:
        session.add(
            ReceivedTransfer(
                natural_key=f"spei|T|{uuid.uuid4().hex}",
                source="stp_notification",
                state=state,
                tracking_key="T",
                operation_date=received_at.date(),
                amount=Decimal("299.00"),
                received_at=received_at,
            )
        )


async def add_webhook_message(factory: Any, status: str) -> None:
    async with transaction(factory) as session:
        endpoint = WebhookEndpoint(
            url="https://hooks.example/x", event_types=["order.paid"], secret_ciphertext=b"x"
        )
        session.add(endpoint)
        await session.flush()
        session.add(
            WebhookMessage(
                endpoint_id=endpoint.id,
                event_id=uuid.uuid4().hex,
                event_type="order.paid",
                body="{}",
                status=status,
            )
        )


async def add_arco_request(factory: Any, answer_due_in_days: int, state: str) -> None:
    user = await add_user(factory)
    async with transaction(factory) as session:
        session.add(
            DataRequest(
                folio=f"ARCO-{uuid.uuid4().hex[:8]}",
                user_id=user.id,
                request_type="acceso",
                state=state,
                channel="web",
                filed_as="titular",
                answer_due=business_date(utc_now()) + timedelta(days=answer_due_in_days),
            )
        )


async def test_business_gauges_read_database(client: httpx.AsyncClient, app: FastAPI) -> None:
    factory = app.state.session_factory
    now = utc_now()
    await add_transfer(factory, "review", now - timedelta(hours=2))
    await add_transfer(factory, "review", now - timedelta(minutes=5))
    await add_transfer(factory, "matched", now - timedelta(days=3))
    await add_webhook_message(factory, "failed")
    await add_webhook_message(factory, "succeeded")
    await add_arco_request(factory, -3, "in_review")
    await add_arco_request(factory, 1, "received")
    await add_arco_request(factory, 60, "received")
    await add_arco_request(factory, -3, "completed")

    text = (await client.get("/metrics")).text

    assert value(text, "cuenty_received_transfers", state="review") == 2
    assert value(text, "cuenty_received_transfers", state="unmatched") == 0
    oldest = value(text, "cuenty_received_transfers_oldest_seconds", state="review")
    assert oldest is not None and 7100 < oldest < 7400
    assert value(text, "cuenty_webhook_messages", status="failed") == 1
    assert value(text, "cuenty_webhook_messages", status="pending") == 0
    assert value(text, "cuenty_arco_requests_open", deadline="overdue") == 1
    assert value(text, "cuenty_arco_requests_open", deadline="later") == 1


async def test_arco_near_bucket_uses_business_days(client: httpx.AsyncClient, app: FastAPI) -> None:
    settings = app.state.settings
    today = business_date(utc_now())
    # Tomorrow is at most one business day away, inside the default five-day alert window.
    assert business_days_left(calendar_for(settings), today, today + timedelta(days=1)) <= 1
    await add_arco_request(app.state.session_factory, 1, "received")

    text = (await client.get("/metrics")).text

    assert value(text, "cuenty_arco_requests_open", deadline="near") == 1


async def test_service_exports_only_its_gauges(database: TestDatabase, engine: AsyncEngine) -> None:
    settings = make_settings(database_url=database.url)
    payments = create_app(settings, services=["payments"], engine=engine)
    async with payments.router.lifespan_context(payments), client_for(payments) as client:
        text = (await client.get("/metrics")).text
    names = {name for name, _ in samples(text)}
    assert "cuenty_received_transfers" in names
    assert "cuenty_webhook_messages" not in names
    assert "cuenty_arco_requests_open" not in names


async def test_failed_read_keeps_metrics_up(database: TestDatabase, engine: AsyncEngine) -> None:
    if database.dialect != "sqlite":
        pytest.skip("one dialect is enough: the database is replaced by an unreachable one")
    settings = make_settings(database_url="postgresql+psycopg://nobody@127.0.0.1:9/none")
    application = create_app(settings, services=["compliance"])
    async with application.router.lifespan_context(application), client_for(application) as c:
        response = await c.get("/metrics")
    assert response.status_code == 200
    assert "cuenty_http_requests_total" in response.text


async def test_request_log_names_user(
    database: TestDatabase, engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(database_url=database.url, log_json=True, log_level="INFO")
    application = create_app(settings, engine=engine)
    async with application.router.lifespan_context(application), client_for(application) as c:
        headers = await person(c, "log-user@example.com")
        capsys.readouterr()
        me = await c.get("/v1/users/me", headers=headers)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if "{" in line]
    request_line = next(line for line in lines if line.get("event") == "http.request")
    assert request_line["route"] == "/v1/users/me"
    assert request_line["user_id"] == me.json()["id"]
    assert request_line["service"] == ",".join(s.name for s in application.state.services)
