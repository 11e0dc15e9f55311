"""Deliveries to a receiver on 127.0.0.1 that checks each one with the standardwebhooks
library: retry schedule on a controllable clock, order per endpoint, redelivery, secret
rotation, disabling, and what a body may contain.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cuenty.kit.db import create_session_factory, transaction
from cuenty.kit.jobs import JobRegistry, publish, registry
from cuenty.kit.jobs.embedded import EmbeddedRunner
from cuenty.kit.jobs.models import OutboxEntry
from cuenty.webhooks import renderers, service, tasks
from cuenty.webhooks.catalog import ENDPOINT_DISABLED_EVENT, EVENT_TYPES
from cuenty.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookMessage
from cuenty.webhooks.settings import WebhookSettings
from tests.conftest import TestDatabase, make_settings
from tests.jobs.support import FakeClock, embedded_runner, reset_procrastinate, run_jobs
from tests.webhooks.support import (
    Receiver,
    act_as,
    local_settings,
    running_receiver,
    staff_principal,
)

MASTER_KEY = make_settings().secret("encryption_key")
SQLITE = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


def webhook_registry() -> JobRegistry:
    jobs = JobRegistry()
    for name in (tasks.FAN_OUT_JOB, tasks.DELIVER_JOB):
        jobs.handlers[name] = registry.get(name)
    for event_type in EVENT_TYPES:
        jobs.subscribe(event_type, tasks.FAN_OUT_JOB, ordered=True)
    return jobs


@dataclass
class Setup:
    engine: AsyncEngine
    clock: FakeClock
    settings: WebhookSettings

    @property
    def factory(self) -> Any:
        return create_session_factory(self.engine)

    def runner(self, seed: int = 7) -> EmbeddedRunner:
        resources = {"webhook_settings": self.settings}
        return embedded_runner(
            self.engine, webhook_registry(), self.clock, seed=seed, resources=resources
        )

    async def endpoint(self, url: str, events: list[str]) -> tuple[WebhookEndpoint, str]:
        async with transaction(self.factory) as session:
            return await service.create_endpoint(
                session,
                url=url,
                events=events,
                description="pruebas",
                owner_user_id=None,
                api_key_id=None,
                master_key=MASTER_KEY,
                settings=self.settings,
                resolver=_no_dns,
            )

    async def publish(self, event_type: str, **data: Any) -> str:
        async with transaction(self.factory) as session:
            return await publish(session, event_type, data, now=self.clock)

    async def rows(self, model: Any, *where: Any) -> list[Any]:
        async with self.factory() as session:
            return list(await session.scalars(select(model).where(*where)))


async def _no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"unexpected DNS lookup of {host}")


@pytest.fixture
async def setup(database: TestDatabase, engine: AsyncEngine) -> AsyncIterator[Setup]:
    await reset_procrastinate(engine)
    yield Setup(engine, FakeClock(), local_settings())
    await reset_procrastinate(engine)


@SQLITE
async def test_delivery_is_signed_and_verifiable(setup: Setup) -> None:
    async with running_receiver(Receiver()) as receiver:
        _, secret = await setup.endpoint(receiver.url, ["order.paid"])
        receiver.secrets = [secret]
        order_id = uuid.uuid4()
        event_id = await setup.publish("order.paid", order_id=order_id)
        await setup.publish("order.created", order_id=order_id)

        await setup.runner().run_pending()

    assert len(receiver.received) == 1
    request = receiver.received[0]
    assert request.verified_with == [0]
    assert request.headers["webhook-id"] == event_id
    assert request.headers["content-type"] == "application/json"
    assert request.document["type"] == "order.paid"
    assert request.document["id"] == event_id
    assert request.document["timestamp"].endswith("Z")
    assert request.document["data"] == {"order_id": str(order_id)}
    deliveries = await setup.rows(WebhookDelivery)
    assert [(d.attempt, d.status_code, d.succeeded) for d in deliveries] == [(1, 200, True)]
    assert deliveries[0].response_body == '{"ok":true}'


@SQLITE
async def test_failures_retry_on_schedule(setup: Setup) -> None:
    expected = random.Random(7)  # noqa: S311 - the runner's seeded jitter, drawn in order
    async with running_receiver(Receiver(statuses=[500, 502])) as receiver:
        _, secret = await setup.endpoint(receiver.url, ["payment.received"])
        receiver.secrets = [secret]
        event_id = await setup.publish("payment.received", payment_id="p-1")
        runner = setup.runner(seed=7)

        await runner.run_pending()
        first = tasks.DELIVERY_RETRY.delay_after(1, expected)
        assert first is not None
        assert timedelta(seconds=45) <= first <= timedelta(seconds=60)
        assert await _delivery_job_run_at(setup) == setup.clock() + first

        setup.clock.advance(seconds=first.total_seconds() - 1)
        await runner.run_pending()
        assert len(receiver.received) == 1

        setup.clock.advance(seconds=1)
        await runner.run_pending()
        second = tasks.DELIVERY_RETRY.delay_after(2, expected)
        assert second is not None
        assert timedelta(seconds=90) <= second <= timedelta(seconds=120)
        assert await _delivery_job_run_at(setup) == setup.clock() + second

        setup.clock.advance(seconds=second.total_seconds())
        await runner.run_pending()

    assert receiver.event_ids() == [event_id] * 3
    assert all(item.verified_with == [0] for item in receiver.received)
    deliveries = sorted(await setup.rows(WebhookDelivery), key=lambda d: d.attempt)
    assert [(d.attempt, d.status_code) for d in deliveries] == [(1, 500), (2, 502), (3, 200)]
    [message] = await setup.rows(WebhookMessage)
    assert message.status == "succeeded"


async def _delivery_job_run_at(setup: Setup) -> Any:
    [job] = await setup.rows(OutboxEntry, OutboxEntry.name == tasks.DELIVER_JOB)
    return job.run_at


@SQLITE
async def test_order_per_endpoint_holds_through_retry(setup: Setup) -> None:
    async with (
        running_receiver(Receiver(statuses=[503])) as slow,
        running_receiver(Receiver()) as other,
    ):
        _, slow_secret = await setup.endpoint(slow.url, ["order.created", "order.paid"])
        _, other_secret = await setup.endpoint(other.url, ["order.paid"])
        slow.secrets, other.secrets = [slow_secret], [other_secret]
        created = await setup.publish("order.created", order_id="o-1")
        paid = await setup.publish("order.paid", order_id="o-1")
        runner = setup.runner()

        await runner.run_pending()
        assert slow.event_ids() == [created]
        assert other.event_ids() == [paid]

        setup.clock.advance(minutes=5)
        await runner.run_pending()

    assert slow.event_ids() == [created, created, paid]
    assert all(item.verified_with == [0] for item in slow.received + other.received)


@SQLITE
async def test_redelivery_resends_same_message(
    setup: Setup, app: FastAPI, client: httpx.AsyncClient
) -> None:
    act_as(app, staff_principal())
    async with running_receiver(Receiver()) as receiver:
        endpoint, secret = await setup.endpoint(receiver.url, ["subscription.activated"])
        receiver.secrets = [secret]
        event_id = await setup.publish("subscription.activated", subscription_id="s-1")
        await setup.runner().run_pending()
        [first] = await setup.rows(WebhookDelivery)

        queued = await client.post(f"/v1/webhooks/{endpoint.id}/deliveries/{first.id}/redeliver")
        # The API queues on the real clock, which has overtaken the fake one by now.
        setup.clock.advance(seconds=30)
        await setup.runner().run_pending()
        listed = await client.get(f"/v1/webhooks/{endpoint.id}/deliveries")

    assert queued.status_code == 202, queued.text
    assert queued.json()["eventId"] == event_id
    assert receiver.event_ids() == [event_id, event_id]
    assert receiver.received[0].body == receiver.received[1].body
    assert all(item.verified_with == [0] for item in receiver.received)
    items = listed.json()["items"]
    assert [(item["attempt"], item["trigger"]) for item in items] == [
        (2, "redelivery"),
        (1, "automatic"),
    ]
    assert items[0]["statusCode"] == 200
    assert items[0]["durationMs"] >= 0


@SQLITE
async def test_rotated_secret_signs_beside_old_one(setup: Setup) -> None:
    async with running_receiver(Receiver()) as receiver:
        endpoint, old = await setup.endpoint(receiver.url, ["user.created"])
        async with transaction(setup.factory) as session:
            loaded = await session.get(WebhookEndpoint, endpoint.id)
            assert loaded is not None
            new, expires = await service.rotate_secret(
                session, loaded, master_key=MASTER_KEY, now=setup.clock()
            )
        receiver.secrets = [old, new]
        await setup.publish("user.created", user_id="u-1")
        await setup.runner().run_pending()
        setup.clock.advance(hours=24, seconds=1)
        await setup.publish("user.created", user_id="u-2")
        await setup.runner().run_pending()

    assert new != old
    assert expires == setup.clock() - timedelta(seconds=1)
    during, after = receiver.received
    assert during.verified_with == [0, 1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert after.verified_with == [1]


@SQLITE
async def test_endpoint_disabled_after_failures(setup: Setup) -> None:
    setup.settings = local_settings(disable_after_failures=3)
    async with running_receiver(Receiver(statuses=[500] * 10)) as receiver:
        endpoint, secret = await setup.endpoint(receiver.url, ["order.paid", "order.cancelled"])
        receiver.secrets = [secret]
        await setup.publish("order.paid", order_id="o-1")
        await setup.publish("order.cancelled", order_id="o-1")
        runner = setup.runner()
        for _ in range(5):
            await runner.run_pending()
            setup.clock.advance(hours=9)
        await setup.publish("order.paid", order_id="o-2")
        await runner.run_pending()

    assert len(receiver.received) == 3
    [stored] = await setup.rows(WebhookEndpoint)
    assert stored.enabled is False
    assert stored.disabled_reason == "consecutive_failures"
    statuses = sorted(message.status for message in await setup.rows(WebhookMessage))
    assert statuses == ["skipped", "skipped"]
    [notice] = await setup.rows(OutboxEntry, OutboxEntry.name == ENDPOINT_DISABLED_EVENT)
    assert notice.payload["data"]["endpoint_id"] == str(endpoint.id)


@SQLITE
async def test_body_never_carries_secrets(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    async def render_order(session: AsyncSession, data: Any) -> dict[str, Any]:
        return {
            "id": data["order_id"],
            "status": "paid",
            "password": "hunter2",
            "account": {"email": "cliente@example.com", "credentials": {"user": "x"}},
        }

    monkeypatch.setitem(renderers._renderers, "order", render_order)
    async with running_receiver(Receiver()) as receiver:
        await setup.endpoint(receiver.url, ["order.paid"])
        await setup.publish("order.paid", order_id="o-9")
        await setup.runner().run_pending()

    assert receiver.received[0].document["data"] == {
        "id": "o-9",
        "status": "paid",
        "account": {"email": "cliente@example.com"},
    }


@SQLITE
@pytest.mark.parametrize(
    ("receiver", "settings", "status", "error"),
    [
        (Receiver(delay_seconds=1.0), {"timeout_seconds": 0.2}, None, "timed out after 0.2 s"),
        (
            Receiver(statuses=[302], extra_headers={"location": "http://10.0.0.1/"}),
            {},
            302,
            None,
        ),
    ],
    ids=["timeout", "redirect-not-followed"],
)
async def test_failed_attempt_is_recorded(
    setup: Setup,
    receiver: Receiver,
    settings: dict[str, Any],
    status: int | None,
    error: str | None,
) -> None:
    setup.settings = local_settings(**settings)
    async with running_receiver(receiver):
        await setup.endpoint(receiver.url, ["order.paid"])
        await setup.publish("order.paid", order_id="o-1")
        await setup.runner().run_pending()

    [delivery] = await setup.rows(WebhookDelivery)
    assert len(receiver.received) == 1
    assert delivery.succeeded is False
    assert delivery.status_code == status
    assert delivery.error == error


@SQLITE
async def test_long_response_is_truncated(setup: Setup) -> None:
    async with running_receiver(Receiver(reply_body=b"x" * 5000)) as receiver:
        await setup.endpoint(receiver.url, ["order.paid"])
        await setup.publish("order.paid", order_id="o-1")
        await setup.runner().run_pending()

    [delivery] = await setup.rows(WebhookDelivery)
    assert delivery.response_body == "x" * 1024


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_postgres_delivery_through_procrastinate(
    setup: Setup, database: TestDatabase
) -> None:
    async with running_receiver(Receiver(statuses=[500])) as receiver:
        _, secret = await setup.endpoint(receiver.url, ["compliance.request_created"])
        receiver.secrets = [secret]
        event_id = await setup.publish("compliance.request_created", request_id="r-1")
        await run_jobs(database, webhook_registry(), resources={"webhook_settings": setup.settings})

    assert receiver.event_ids() == [event_id]
    assert receiver.received[0].verified_with == [0]
    [delivery] = await setup.rows(WebhookDelivery)
    assert delivery.status_code == 500
