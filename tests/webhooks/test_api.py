"""The /v1/webhooks routes: create (secret shown once, Idempotency-Key), read, change,
delete, rotate, test, input errors and which caller can read which endpoint.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text

from cuenty.kit import idempotency
from cuenty.kit.clock import utc_now
from cuenty.kit.jobs.models import OutboxEntry
from cuenty.webhooks.models import WebhookEndpoint
from tests.jobs.support import reset_procrastinate
from tests.webhooks.support import FakeResolver, act_as, api_key_principal, staff_principal

URL = "https://hooks.integrador.mx/cuenty"
BODY = {"url": URL, "events": ["order.paid", "subscription.activated"], "description": "ERP"}


@pytest.fixture
def staff(app: FastAPI) -> FastAPI:
    act_as(app, staff_principal())
    app.state.webhook_resolver = FakeResolver()
    return app


async def _count(app: FastAPI) -> int:
    async with app.state.session_factory() as session:
        return await session.scalar(select(func.count()).select_from(WebhookEndpoint)) or 0


async def test_create_shows_secret_once(staff: FastAPI, client: httpx.AsyncClient) -> None:
    created = await client.post("/v1/webhooks", json=BODY)
    assert created.status_code == 201, created.text
    body = created.json()
    fetched = await client.get(f"/v1/webhooks/{body['id']}")
    listed = await client.get("/v1/webhooks")

    assert body["secret"].startswith("whsec_")
    assert len(base64.b64decode(body["secret"].removeprefix("whsec_"))) == 32
    assert body["events"] == ["order.paid", "subscription.activated"]
    assert body["enabled"] is True
    assert "secret" not in fetched.json()
    assert fetched.json()["url"] == URL
    assert [item["id"] for item in listed.json()["items"]] == [body["id"]]
    async with staff.state.session_factory() as session:
        stored = await session.get(WebhookEndpoint, uuid.UUID(body["id"]))
    assert stored is not None
    assert body["secret"].encode() not in stored.secret_ciphertext


@pytest.mark.parametrize(
    ("change", "code", "pointer"),
    [
        ({"url": "http://10.0.0.1/hook"}, "invalid_webhook_url", "#/url"),
        ({"url": "http://169.254.169.254/latest"}, "invalid_webhook_url", "#/url"),
        ({"url": "ftp://hooks.integrador.mx/x"}, "invalid_webhook_url", "#/url"),
        ({"url": "https://unknown-host.mx/x"}, "invalid_webhook_url", "#/url"),
        ({"events": ["order.paid", "order.teleported"]}, "unknown_event_type", "#/events/1"),
        ({"events": []}, "validation_failed", "#/events"),
    ],
)
async def test_bad_input_is_rejected_and_not_stored(
    staff: FastAPI, client: httpx.AsyncClient, change: dict[str, object], code: str, pointer: str
) -> None:
    response = await client.post("/v1/webhooks", json={**BODY, **change})

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == code
    assert [error["pointer"] for error in problem["errors"]] == [pointer]
    assert await _count(staff) == 0


async def test_errors_are_spanish_then_english(staff: FastAPI, client: httpx.AsyncClient) -> None:
    body = {**BODY, "url": "http://127.0.0.1/hook"}
    spanish = await client.post("/v1/webhooks", json=body)
    english = await client.post("/v1/webhooks", json=body, headers={"Accept-Language": "en"})

    assert spanish.json()["errors"][0]["message"] == (
        "El host apunta a 127.0.0.1, que no es una dirección pública."
    )
    assert english.json()["errors"][0]["message"] == (
        "The host resolves to 127.0.0.1, which is not a public address."
    )


async def test_idempotency_key_replays_first_response(
    staff: FastAPI, client: httpx.AsyncClient
) -> None:
    headers = {"Idempotency-Key": "crear-endpoint-001"}
    first = await client.post("/v1/webhooks", json=BODY, headers=headers)
    replay = await client.post("/v1/webhooks", json=BODY, headers=headers)
    reordered = {key: BODY[key] for key in reversed(BODY)}
    replay_reordered = await client.post("/v1/webhooks", json=reordered, headers=headers)
    changed = await client.post(
        "/v1/webhooks", json={**BODY, "description": "otro"}, headers=headers
    )

    assert first.status_code == 201
    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay_reordered.json()["id"] == first.json()["id"]
    assert changed.status_code == 422
    assert changed.json()["code"] == "idempotency_key_reused"
    assert await _count(staff) == 1


async def test_idempotency_key_in_progress_is_409(
    staff: FastAPI, client: httpx.AsyncClient
) -> None:
    principal = staff_principal()
    act_as(staff, principal)
    claim = await idempotency.begin(
        staff.state.session_factory,
        key="en-curso",
        principal=f"user:{principal.user_id}",
        method="POST",
        path="/v1/webhooks",
        body=json.dumps(BODY).encode(),
        encryption_key="k",
    )
    assert isinstance(claim, idempotency.Claim)

    same = await client.post("/v1/webhooks", json=BODY, headers={"Idempotency-Key": "en-curso"})
    bad_key = await client.post(
        "/v1/webhooks", json=BODY, headers={"Idempotency-Key": "clave con espacios"}
    )

    assert same.status_code == 409
    assert same.json()["code"] == "idempotent_request_in_progress"
    assert bad_key.status_code == 400
    assert bad_key.json()["code"] == "invalid_idempotency_key"


async def test_failed_request_releases_key(staff: FastAPI, client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "reintento"}
    failed = await client.post(
        "/v1/webhooks", json={**BODY, "url": "http://10.0.0.1/x"}, headers=headers
    )
    fixed = await client.post(
        "/v1/webhooks", json={**BODY, "url": "http://10.0.0.1/x"}, headers=headers
    )

    assert failed.status_code == 422
    assert fixed.status_code == 422
    assert fixed.json()["code"] == "invalid_webhook_url"


async def test_update_disable_enable_and_delete(staff: FastAPI, client: httpx.AsyncClient) -> None:
    endpoint_id = (await client.post("/v1/webhooks", json=BODY)).json()["id"]

    changed = await client.patch(
        f"/v1/webhooks/{endpoint_id}",
        json={"events": ["user.created"], "description": "CRM", "enabled": False},
    )
    test_while_disabled = await client.post(f"/v1/webhooks/{endpoint_id}/test")
    enabled = await client.patch(f"/v1/webhooks/{endpoint_id}", json={"enabled": True})
    test_sent = await client.post(f"/v1/webhooks/{endpoint_id}/test")
    deleted = await client.delete(f"/v1/webhooks/{endpoint_id}")
    gone = await client.get(f"/v1/webhooks/{endpoint_id}")

    assert changed.status_code == 200
    assert changed.json()["events"] == ["user.created"]
    assert changed.json()["enabled"] is False
    assert changed.json()["disabledReason"] == "disabled_by_user"
    assert test_while_disabled.status_code == 409
    assert test_while_disabled.json()["code"] == "webhook_endpoint_disabled"
    assert enabled.json()["enabled"] is True
    assert enabled.json()["disabledAt"] is None
    assert test_sent.status_code == 202
    assert test_sent.json()["eventId"].startswith("evt_")
    assert deleted.status_code == 204
    assert gone.status_code == 404
    assert gone.json()["code"] == "webhook_not_found"


async def test_test_event_is_queued_in_order(staff: FastAPI, client: httpx.AsyncClient) -> None:
    endpoint_id = (await client.post("/v1/webhooks", json=BODY)).json()["id"]
    await reset_procrastinate(staff.state.engine)
    await client.post(f"/v1/webhooks/{endpoint_id}/test")

    async with staff.state.session_factory() as session:
        if (await session.connection()).dialect.name == "postgresql":
            row = (
                await session.execute(text("SELECT task_name, lock FROM procrastinate_jobs"))
            ).one()
            name, ordering_key = row.task_name, row.lock
        else:
            job = await session.scalar(select(OutboxEntry))
            assert job is not None
            name, ordering_key = job.name, job.ordering_key
    await reset_procrastinate(staff.state.engine)
    assert name == "webhooks.deliver"
    assert ordering_key == f"webhook-endpoint:{endpoint_id}"


async def test_rotate_secret(staff: FastAPI, client: httpx.AsyncClient) -> None:
    created = (await client.post("/v1/webhooks", json=BODY)).json()
    rotated = await client.post(f"/v1/webhooks/{created['id']}/rotate-secret")
    fetched = await client.get(f"/v1/webhooks/{created['id']}")

    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]
    expires = rotated.json()["previousSecretExpiresAt"]
    assert fetched.json()["previousSecretExpiresAt"] == expires
    remaining = datetime.fromisoformat(expires) - utc_now()
    assert timedelta(hours=23, minutes=59) < remaining <= timedelta(hours=24)


async def test_api_key_sees_only_its_owner_endpoints(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    app.state.webhook_resolver = FakeResolver()
    owner = api_key_principal()
    act_as(app, owner)
    mine = (await client.post("/v1/webhooks", json=BODY)).json()["id"]
    act_as(app, api_key_principal())
    theirs = (await client.post("/v1/webhooks", json=BODY)).json()["id"]

    act_as(app, owner)
    listed = await client.get("/v1/webhooks")
    other = await client.get(f"/v1/webhooks/{theirs}")
    act_as(app, staff_principal())
    everything = await client.get("/v1/webhooks")

    assert [item["id"] for item in listed.json()["items"]] == [mine]
    assert other.status_code == 404
    assert len(everything.json()["items"]) == 2


async def test_event_catalogue_is_translated(staff: FastAPI, client: httpx.AsyncClient) -> None:
    spanish = (await client.get("/v1/webhooks/event-types")).json()
    english = (
        await client.get("/v1/webhooks/event-types", headers={"Accept-Language": "en"})
    ).json()

    types = [item["type"] for item in spanish]
    assert "order.paid" in types
    assert "compliance.request_completed" in types
    paid_en = next(item for item in english if item["type"] == "order.paid")
    paid_es = next(item for item in spanish if item["type"] == "order.paid")
    assert paid_en["description"] == "An order's payment was matched to the order."
    assert paid_es["description"] != paid_en["description"]


async def test_unknown_delivery_is_404(staff: FastAPI, client: httpx.AsyncClient) -> None:
    endpoint_id = (await client.post("/v1/webhooks", json=BODY)).json()["id"]
    response = await client.post(f"/v1/webhooks/{endpoint_id}/deliveries/{uuid.uuid4()}/redeliver")
    assert response.status_code == 404
    assert response.json()["code"] == "webhook_delivery_not_found"


async def test_without_credentials_is_401(app: FastAPI, client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/webhooks")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
