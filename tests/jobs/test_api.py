"""GET /v1/jobs and retry/cancel, for admins only; the end-to-end tests sign in as the demo
admin and use a real API key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cuenty.demo import load_demo_data
from cuenty.identity.access import Principal
from cuenty.jobs.endpoints import require_jobs_admin
from cuenty.kit.db import transaction
from cuenty.kit.jobs import JobContext, JobRegistry, RetryPolicy, enqueue
from tests.conftest import TestDatabase
from tests.jobs.support import reset_procrastinate, run_jobs
from tests.webhooks.support import FakeResolver

ADMIN = Principal(user_id=None, role="admin", scopes=frozenset())


async def _fail(context: JobContext, payload: dict[str, Any]) -> None:
    raise RuntimeError(f"bank statement {payload['file']} is unreadable")


@pytest.fixture
async def admin_app(app: FastAPI) -> AsyncIterator[FastAPI]:
    await reset_procrastinate(app.state.engine)
    app.dependency_overrides[require_jobs_admin] = lambda: ADMIN
    yield app
    await reset_procrastinate(app.state.engine)


async def test_overview_counts_and_failures(
    admin_app: FastAPI, client: httpx.AsyncClient, database: TestDatabase
) -> None:
    jobs = JobRegistry()
    jobs.handler("tests.import_statement", retry=RetryPolicy(max_attempts=2, base_seconds=0))(_fail)
    async with transaction(admin_app.state.session_factory) as session:
        failing = await enqueue(session, "tests.import_statement", {"file": "mt940-0412.sta"})
    await run_jobs(database, jobs)
    async with transaction(admin_app.state.session_factory) as session:
        await enqueue(session, "tests.waiting", {"n": 1})

    response = await client.get("/v1/jobs")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["backend"] == ("embedded" if database.dialect == "sqlite" else "procrastinate")
    assert body["counts"]["failed"] == 1
    assert body["counts"]["todo"] == 1
    assert body["ready"] == 1
    assert body["oldestWaitingSeconds"] >= 0
    [failure] = body["failures"]
    assert failure["id"] == failing
    assert failure["name"] == "tests.import_statement"
    assert failure["attempts"] == 2
    assert "mt940-0412.sta is unreadable" in failure["lastError"]


async def test_retry_and_cancel_answers(admin_app: FastAPI, client: httpx.AsyncClient) -> None:
    async with transaction(admin_app.state.session_factory) as session:
        waiting = await enqueue(session, "tests.waiting", {"n": 1})

    retry_waiting = await client.post(f"/v1/jobs/{waiting}/retry")
    cancelled = await client.post(f"/v1/jobs/{waiting}/cancel")
    cancel_again = await client.post(f"/v1/jobs/{waiting}/cancel")
    missing = await client.post("/v1/jobs/999999/retry", headers={"Accept-Language": "en"})

    assert retry_waiting.status_code == 409
    assert retry_waiting.json()["code"] == "job_not_retryable"
    assert cancelled.status_code == 200
    assert cancelled.json() == {"id": waiting, "status": "cancelled"}
    assert cancel_again.status_code == 409
    assert cancel_again.json()["code"] == "job_not_cancellable"
    assert missing.status_code == 404
    assert missing.json()["detail"] == "No job has the id 999999."


async def test_demo_admin_token_end_to_end(app: FastAPI, client: httpx.AsyncClient) -> None:
    settings = app.state.settings
    async with transaction(app.state.session_factory) as session:
        await load_demo_data(session, settings)
    password = settings.secret("demo_admin_password")
    admin = await _login(client, settings.demo_admin_email, password)
    customer = await _login(client, "ana.cliente@example.com", password)
    key = await client.post(
        "/v1/api-keys",
        json={"name": "erp", "scopes": ["webhooks:read", "webhooks:write"]},
        headers=admin,
    )
    api_key = {"X-API-Key": key.json()["key"]}
    app.state.webhook_resolver = FakeResolver()

    jobs_as_admin = await client.get("/v1/jobs", headers=admin)
    jobs_as_customer = await client.get("/v1/jobs", headers=customer)
    jobs_as_key = await client.get("/v1/jobs", headers=api_key)
    body = {"url": "https://hooks.integrador.mx/cuenty", "events": ["order.paid"]}
    created = await client.post("/v1/webhooks", json=body, headers=api_key)
    listed = await client.get("/v1/webhooks", headers=admin)
    as_customer = await client.post("/v1/webhooks", json=body, headers=customer)

    assert key.status_code == 201, key.text
    assert jobs_as_admin.status_code == 200
    assert jobs_as_customer.status_code == 403
    assert jobs_as_key.status_code == 403
    assert created.status_code == 201, created.text
    assert [item["id"] for item in listed.json()["items"]] == [created.json()["id"]]
    assert as_customer.status_code == 403


async def _login(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await client.post("/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['accessToken']}"}
