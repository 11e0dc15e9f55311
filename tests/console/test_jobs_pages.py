"""The jobs and webhooks pages: queue status with failures, retry and discard, and a webhook
endpoint's deliveries to a receiver on 127.0.0.1, with redelivery, test events and
enabling a disabled endpoint again."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from cuenty.kit.db import transaction
from cuenty.kit.jobs import JobContext, JobRegistry, RetryPolicy, enqueue, registry
from cuenty.webhooks import service, tasks
from cuenty.webhooks.models import WebhookEndpoint
from tests.conftest import TestDatabase, make_settings
from tests.console.support import csrf_of, staff_browser, submit
from tests.jobs.support import reset_procrastinate, run_jobs
from tests.webhooks.support import Receiver, local_settings, running_receiver

MASTER_KEY = make_settings().secret("encryption_key")
FAILING_JOB = "tests.import_statement"
REDELIVER_ACTION = re.compile(r'action="([^"]+/entregas/[0-9a-f-]{36}/reenviar)"')


def api_headers(client: httpx.AsyncClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.cookies['cuenty_console_access']}"}


async def _fail(context: JobContext, payload: dict[str, Any]) -> None:
    raise RuntimeError(f"bank statement {payload['file']} is unreadable")


def failing_registry() -> JobRegistry:
    jobs = JobRegistry()
    jobs.handler(FAILING_JOB, retry=RetryPolicy(max_attempts=1, base_seconds=0))(_fail)
    return jobs


def delivery_registry() -> JobRegistry:
    jobs = JobRegistry()
    jobs.handlers[tasks.DELIVER_JOB] = registry.get(tasks.DELIVER_JOB)
    return jobs


async def _no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"unexpected DNS lookup of {host}")


@pytest.fixture
async def queue_app(app: FastAPI) -> AsyncIterator[FastAPI]:
    """The app with procrastinate's tables emptied before and after (on PostgreSQL), and
    webhook settings that let deliveries reach 127.0.0.1."""
    await reset_procrastinate(app.state.engine)
    app.state.webhook_settings = local_settings()
    yield app
    await reset_procrastinate(app.state.engine)


async def failed_job(app: FastAPI, database: TestDatabase) -> int:
    async with transaction(app.state.session_factory) as session:
        job_id = await enqueue(session, FAILING_JOB, {"file": "mt940-0412.sta"})
    await run_jobs(database, failing_registry())
    return int(job_id)


async def endpoint_for(app: FastAPI, url: str) -> uuid.UUID:
    async with transaction(app.state.session_factory) as session:
        endpoint, _ = await service.create_endpoint(
            session,
            url=url,
            events=["order.paid"],
            description="ERP de pruebas",
            owner_user_id=None,
            api_key_id=None,
            master_key=MASTER_KEY,
            settings=local_settings(),
            resolver=_no_dns,
        )
    return endpoint.id


async def deliver(database: TestDatabase) -> None:
    await run_jobs(database, delivery_registry(), resources={"webhook_settings": local_settings()})


async def test_jobs_page_lists_failed_job(queue_app: FastAPI, database: TestDatabase) -> None:
    client = await staff_browser(queue_app, "admin@example.com", "admin")
    job_id = await failed_job(queue_app, database)

    response = await client.get("/console/trabajos")

    assert response.status_code == 200
    assert FAILING_JOB in response.text
    assert "bank statement mt940-0412.sta is unreadable" in response.text
    assert f'action="/console/trabajos/{job_id}/reintentar"' in response.text
    assert f'action="/console/trabajos/{job_id}/descartar"' in response.text
    assert "data-confirm=" in response.text


async def test_retry_queues_failed_job(queue_app: FastAPI, database: TestDatabase) -> None:
    client = await staff_browser(queue_app, "admin@example.com", "admin")
    job_id = await failed_job(queue_app, database)

    response = await submit(
        client, "/console/trabajos", f"/console/trabajos/{job_id}/reintentar", {}
    )
    redirected = await client.get(response.headers["location"])
    overview = await client.get("/v1/jobs", headers=api_headers(client))

    assert response.status_code == 303
    assert "El trabajo quedó en cola" in redirected.text
    assert overview.json()["counts"]["failed"] == 0
    assert overview.json()["counts"]["todo"] == 1


async def test_discard_cancels_failed_job(queue_app: FastAPI, database: TestDatabase) -> None:
    client = await staff_browser(queue_app, "admin@example.com", "admin")
    job_id = await failed_job(queue_app, database)

    response = await submit(
        client, "/console/trabajos", f"/console/trabajos/{job_id}/descartar", {}
    )
    overview = await client.get("/v1/jobs", headers=api_headers(client))

    assert response.status_code == 303
    assert overview.json()["counts"]["failed"] == 0
    assert overview.json()["counts"]["cancelled"] == 1


async def test_retry_of_missing_job_shows_api_message(queue_app: FastAPI) -> None:
    client = await staff_browser(queue_app, "admin@example.com", "admin")

    response = await submit(client, "/console/trabajos", "/console/trabajos/999999/reintentar", {})

    assert response.status_code == 404
    assert "999999" in response.text
    assert 'class="notice notice-error"' in response.text


async def test_retry_without_csrf_is_refused(queue_app: FastAPI, database: TestDatabase) -> None:
    client = await staff_browser(queue_app, "admin@example.com", "admin")
    job_id = await failed_job(queue_app, database)

    response = await client.post(f"/console/trabajos/{job_id}/reintentar")
    overview = await client.get("/v1/jobs", headers=api_headers(client))

    assert response.status_code == 403
    assert overview.json()["counts"]["failed"] == 1


async def test_operations_sees_webhooks_not_queue(queue_app: FastAPI) -> None:
    client = await staff_browser(queue_app, "ops@example.com", "operations")
    await endpoint_for(queue_app, "http://127.0.0.1:9/hooks/cuenty")

    response = await client.get("/console/trabajos")

    assert response.status_code == 200
    assert "La cola de trabajos no está disponible para tu rol" in response.text
    assert "http://127.0.0.1:9/hooks/cuenty" in response.text
    assert "/reintentar" not in response.text


async def test_support_cannot_open_jobs_page(queue_app: FastAPI) -> None:
    client = await staff_browser(queue_app, "help@example.com", "support")

    response = await client.get("/console/trabajos")

    assert response.status_code == 403


async def test_webhook_page_shows_failed_delivery(
    queue_app: FastAPI, database: TestDatabase
) -> None:
    client = await staff_browser(queue_app, "ops@example.com", "operations")
    async with running_receiver(Receiver(statuses=[500])) as receiver:
        endpoint_id = await endpoint_for(queue_app, receiver.url)
        page = f"/console/trabajos/webhooks/{endpoint_id}"
        sent = await submit(client, page, f"{page}/prueba", {})
        await deliver(database)

    response = await client.get(page)

    assert sent.status_code == 303
    assert len(receiver.received) == 1
    assert '<span class="badge state-failed">No entregado</span>' in response.text
    assert '<td class="number">500</td>' in response.text
    assert "webhook.test" in response.text
    assert "<td>Prueba</td>" in response.text


async def test_redeliver_sends_same_message(queue_app: FastAPI, database: TestDatabase) -> None:
    client = await staff_browser(queue_app, "ops@example.com", "operations")
    async with running_receiver(Receiver()) as receiver:
        endpoint_id = await endpoint_for(queue_app, receiver.url)
        page = f"/console/trabajos/webhooks/{endpoint_id}"
        await submit(client, page, f"{page}/prueba", {})
        await deliver(database)
        history = await client.get(page)
        action = REDELIVER_ACTION.search(history.text)
        assert action is not None
        redelivered = await submit(client, page, action.group(1), {})
        await deliver(database)

    response = await client.get(page)

    assert redelivered.status_code == 303
    assert "mismo webhook-id" in (await client.get(redelivered.headers["location"])).text
    assert receiver.event_ids()[0] == receiver.event_ids()[1]
    assert len(receiver.received) == 2
    assert "<td>Reenvío</td>" in response.text
    assert response.text.count('<span class="badge state-succeeded">Entregado</span>') == 2


async def test_disabled_endpoint_can_be_enabled(queue_app: FastAPI) -> None:
    client = await staff_browser(queue_app, "ops@example.com", "operations")
    endpoint_id = await endpoint_for(queue_app, "http://127.0.0.1:9/hooks/cuenty")
    async with queue_app.state.session_factory() as session, session.begin():
        await session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(enabled=False, disabled_reason="10 fallas seguidas")
        )
    page = f"/console/trabajos/webhooks/{endpoint_id}"
    before = await client.get(page)

    response = await submit(client, page, f"{page}/activar", {})
    stored = await client.get(f"/v1/webhooks/{endpoint_id}", headers=api_headers(client))

    assert '<span class="badge state-disabled">Deshabilitado</span>' in before.text
    assert "10 fallas seguidas" in before.text
    assert response.status_code == 303
    assert stored.json()["enabled"] is True


async def test_webhook_action_without_csrf_is_refused(queue_app: FastAPI) -> None:
    client = await staff_browser(queue_app, "ops@example.com", "operations")
    endpoint_id = await endpoint_for(queue_app, "http://127.0.0.1:9/hooks/cuenty")
    await csrf_of(client, f"/console/trabajos/webhooks/{endpoint_id}")

    response = await client.post(f"/console/trabajos/webhooks/{endpoint_id}/prueba")

    assert response.status_code == 403
