"""Forwarding of stored events to a Measurement Protocol stand-in on 127.0.0.1: batches,
local validation, personal data, consent, retries, and the API secret kept out of logs.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.analytics.ga4 import metrics
from cuenty.analytics.ga4.models import ForwardCursor
from cuenty.analytics.ga4.settings import Ga4Settings
from cuenty.kit.db import create_session_factory
from cuenty.kit.jobs.models import OutboxEntry
from tests.analytics.ga4.support import (
    API_SECRET,
    MEASUREMENT_ID,
    Ga4Server,
    consenting_user,
    event_row,
    ga4_registry,
    ga4_settings,
    runner,
    running,
    start_collect,
    store,
)
from tests.conftest import TestDatabase
from tests.jobs.support import FakeClock, reset_procrastinate, run_jobs
from tests.payments.banks.support import slow

SQLITE = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


@dataclass
class Setup:
    engine: AsyncEngine
    clock: FakeClock

    async def forward(self, settings: Ga4Settings) -> None:
        await start_collect(self.engine, self.clock)
        await runner(self.engine, settings, self.clock).run_pending()

    async def cursor(self) -> int | None:
        async with create_session_factory(self.engine)() as session:
            found = await session.scalar(select(ForwardCursor.last_event_row_id))
        return found


@pytest.fixture
async def setup(database: TestDatabase, engine: AsyncEngine) -> AsyncIterator[Setup]:
    await reset_procrastinate(engine)
    yield Setup(engine, FakeClock())
    await reset_procrastinate(engine)


def _sent_count(outcome: str, reason: str = "") -> float:
    value = metrics.REGISTRY.get_sample_value(
        "cuenty_ga4_events_total", {"outcome": outcome, "reason": reason}
    )
    return value or 0.0


@SQLITE
async def test_26_events_make_two_requests(setup: Setup) -> None:
    await store(setup.engine, *[event_row() for _ in range(26)])
    with running(Ga4Server()) as server:
        await setup.forward(ga4_settings(server))

    assert sorted(len(body["events"]) for body in server.bodies()) == [1, 25]
    assert all(request.path == "/mp/collect" for request in server.seen)
    assert server.seen[0].query == {"measurement_id": [MEASUREMENT_ID], "api_secret": [API_SECRET]}
    assert server.seen[0].headers["content-type"] == "application/json"


@SQLITE
async def test_request_follows_measurement_protocol(setup: Setup) -> None:
    order_id = uuid.uuid4()
    occurred = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    payment = event_row(
        occurred,
        event_type="payment",
        amount=Decimal("299.00"),
        order_id=order_id,
        page_url=None,
        source="platform",
    )
    await store(setup.engine, payment)
    with running(Ga4Server()) as server:
        await setup.forward(ga4_settings(server))

    [body] = server.bodies()
    [event] = body["events"]
    assert event["name"] == "purchase"
    assert event["params"] == {"currency": "MXN", "value": 299.0, "transaction_id": str(order_id)}
    assert event["timestamp_micros"] == int(occurred.timestamp()) * 1_000_000
    assert len(body["client_id"]) == 32
    assert "anon-1" not in body["client_id"]
    assert body["consent"] == {"ad_user_data": "DENIED", "ad_personalization": "DENIED"}


@SQLITE
async def test_page_view_sends_path_without_query(setup: Setup) -> None:
    row = event_row(page_url="https://cuenty.mx/planes?utm_source=x&correo=ana%40example.com#top")
    await store(setup.engine, row)
    with running(Ga4Server()) as server:
        await setup.forward(ga4_settings(server))

    [body] = server.bodies()
    assert body["events"][0]["params"] == {"page_location": "https://cuenty.mx/planes"}


@SQLITE
async def test_events_grouped_by_client(setup: Setup) -> None:
    rows = [event_row(anonymous_id=f"anon-{i % 2}") for i in range(4)]
    await store(setup.engine, *rows)
    with running(Ga4Server()) as server:
        await setup.forward(ga4_settings(server))

    bodies = server.bodies()
    assert [len(body["events"]) for body in bodies] == [2, 2]
    assert bodies[0]["client_id"] != bodies[1]["client_id"]


@SQLITE
async def test_invalid_events_skipped_locally(setup: Setup) -> None:
    invalid = {
        "name_too_long": event_row(event_type="e" * 41),
        "name_not_starting_with_letter": event_row(event_type="1click"),
        "too_many_params": event_row(properties={f"p{i}": i for i in range(26)}, page_url=None),
        "param_value_too_long": event_row(properties={"plan": "x" * 101}),
        "name_reserved": event_row(event_type="session_start"),
        "name_reserved_prefix": event_row(event_type="firebase_click"),
    }
    allowed = ["page_view", *(row.event_type for row in invalid.values())]
    await store(setup.engine, event_row(), *invalid.values())
    before = {rule: _sent_count("skipped", rule) for rule in invalid}

    with running(Ga4Server()) as server:
        await setup.forward(ga4_settings(server, forward_events=allowed))

    [body] = server.bodies()
    assert [event["name"] for event in body["events"]] == ["page_view"]
    for rule in invalid:
        assert _sent_count("skipped", rule) == before[rule] + 1, rule


@SQLITE
@pytest.mark.parametrize("prefix", ["_", "firebase_", "ga_", "google_", "gtag."])
async def test_reserved_prefix_never_sent(setup: Setup, prefix: str) -> None:
    name = f"{prefix}signup"
    await store(setup.engine, event_row(event_type=name))
    with running(Ga4Server()) as server:
        await setup.forward(ga4_settings(server, forward_events=[name]))

    assert server.seen == []


@SQLITE
async def test_email_and_phone_never_sent(setup: Setup) -> None:
    properties = {
        "email": "ana.lopez@example.com",
        "telefono": "5512345678",
        "nota": "llámame al +52 55 8765 4321",
        "contacto": "luis@example.mx",
        "plan": "spotify",
    }
    await store(setup.engine, event_row(properties=properties))
    with running(Ga4Server()) as server:
        await setup.forward(ga4_settings(server))

    raw = server.raw()
    assert b"plan" in raw
    for needle in (b"ana.lopez", b"5512345678", b"8765", b"luis@", b"example.mx", b"email"):
        assert needle not in raw, needle


@SQLITE
async def test_retry_after_500(setup: Setup) -> None:
    await store(setup.engine, event_row())
    with running(Ga4Server(statuses=[500])) as server:
        settings = ga4_settings(server)
        await setup.forward(settings)
        assert len(server.seen) == 1

        setup.clock.advance(minutes=1)
        await runner(setup.engine, settings, setup.clock).run_pending()

    assert len(server.seen) == 2
    assert server.bodies()[0] == server.bodies()[1]


@SQLITE
async def test_no_retry_after_400(setup: Setup) -> None:
    await store(setup.engine, event_row())
    with running(Ga4Server(statuses=[400])) as server:
        settings = ga4_settings(server)
        await setup.forward(settings)
        setup.clock.advance(hours=1)
        await runner(setup.engine, settings, setup.clock).run_pending()

    assert len(server.seen) == 1
    async with create_session_factory(setup.engine)() as session:
        statuses = list(await session.scalars(select(OutboxEntry.status)))
    assert statuses == ["succeeded", "succeeded"]


@SQLITE
async def test_timeout_is_retried(setup: Setup) -> None:
    await store(setup.engine, event_row())
    server = Ga4Server()
    server.routes[("POST", "/mp/collect")] = slow((204, {}, b""), 1.0)
    before = _sent_count("failed", "timeout")
    with running(server):
        await setup.forward(ga4_settings(server, timeout_seconds=0.2))

    assert _sent_count("failed", "timeout") == before + 1
    async with create_session_factory(setup.engine)() as session:
        statuses = list(await session.scalars(select(OutboxEntry.status)))
    assert sorted(statuses) == ["succeeded", "todo"]


@SQLITE
async def test_connection_error_is_retried(setup: Setup) -> None:
    await store(setup.engine, event_row())
    # Nothing listens on port 9 of this machine: the connection is refused.
    settings = ga4_settings(None)
    before = _sent_count("failed", "connection")
    await setup.forward(settings)

    assert _sent_count("failed", "connection") == before + 1
    async with create_session_factory(setup.engine)() as session:
        jobs = list(await session.scalars(select(OutboxEntry)))
    send = [job for job in jobs if job.name == "analytics.ga4_send"]
    assert [job.status for job in send] == ["todo"]


@SQLITE
async def test_disabled_by_default_sends_nothing(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ENABLED", "MEASUREMENT_ID", "API_SECRET", "FORWARD_EVENTS"):
        monkeypatch.delenv(f"CUENTY_GA4_{name}", raising=False)
    await store(setup.engine, event_row())
    with running(Ga4Server()) as server:
        await start_collect(setup.engine, setup.clock)
        await runner(setup.engine, Ga4Settings(_env_file=None), setup.clock).run_pending()  # type: ignore[call-arg]

    assert server.seen == []
    assert await setup.cursor() is None


@SQLITE
async def test_empty_allow_list_sends_nothing(setup: Setup) -> None:
    await store(setup.engine, event_row())
    with running(Ga4Server()) as server:
        await setup.forward(ga4_settings(server, forward_events=[]))

    assert server.seen == []


@SQLITE
async def test_only_allowed_types_sent(setup: Setup) -> None:
    await store(setup.engine, event_row(), event_row(event_type="scroll_depth"))
    with running(Ga4Server()) as server:
        await setup.forward(ga4_settings(server, forward_events=["scroll_depth"]))

    [body] = server.bodies()
    assert [event["name"] for event in body["events"]] == ["scroll_depth"]


@SQLITE
async def test_events_older_than_72_hours_not_sent(setup: Setup) -> None:
    old = event_row(datetime.now(UTC) - timedelta(hours=73))
    await store(setup.engine, old, event_row())
    with running(Ga4Server()) as server:
        await setup.forward(ga4_settings(server))

    [body] = server.bodies()
    assert len(body["events"]) == 1


@SQLITE
async def test_each_event_sent_once(setup: Setup) -> None:
    await store(setup.engine, event_row())
    with running(Ga4Server()) as server:
        settings = ga4_settings(server)
        await setup.forward(settings)
        setup.clock.advance(minutes=5)
        await setup.forward(settings)

    assert len(server.seen) == 1


@SQLITE
async def test_user_without_consent_not_sent(setup: Setup) -> None:
    without_consent = await consenting_user(setup.engine, granted=False)
    await store(setup.engine, event_row(user_id=without_consent, anonymous_id=None))
    with running(Ga4Server()) as server:
        await setup.forward(ga4_settings(server))

    assert server.seen == []


@SQLITE
async def test_consenting_user_sent_under_pseudonym(setup: Setup) -> None:
    user_id = await consenting_user(setup.engine)
    await store(setup.engine, event_row(user_id=user_id, anonymous_id=None))
    with running(Ga4Server()) as server:
        await setup.forward(ga4_settings(server))

    [body] = server.bodies()
    assert len(body["user_id"]) == 32
    assert str(user_id) not in server.raw().decode()
    assert user_id.hex not in server.raw().decode()


@SQLITE
async def test_validation_server_messages_logged(
    setup: Setup, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    await store(setup.engine, event_row())
    server = Ga4Server()
    server.validation_messages = [
        {
            "fieldPath": "events",
            "description": "Event at index: [0] has invalid name [x].",
            "validationCode": "NAME_INVALID",
        }
    ]
    caplog.set_level(logging.INFO)
    with running(server):
        await setup.forward(ga4_settings(server, use_validation_server=True))

    assert [request.path for request in server.seen] == ["/debug/mp/collect"]
    captured = capsys.readouterr()
    logged = caplog.text + captured.out + captured.err
    assert "NAME_INVALID" in logged
    assert "has invalid name" not in logged


@SQLITE
async def test_api_secret_never_logged(
    setup: Setup, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    await store(setup.engine, event_row(), event_row(anonymous_id="anon-2"))
    caplog.set_level(logging.DEBUG)
    with running(Ga4Server(statuses=[500, 204])) as server:
        await setup.forward(ga4_settings(server))
    await setup.forward(ga4_settings(None))

    assert len(server.seen) == 2
    assert "api_secret" in caplog.text  # httpx's request lines are there, masked
    assert API_SECRET not in caplog.text
    captured = capsys.readouterr()
    assert API_SECRET not in captured.out + captured.err


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_postgres_forwarding_through_procrastinate(
    setup: Setup, database: TestDatabase
) -> None:
    await store(setup.engine, *[event_row() for _ in range(26)])
    with running(Ga4Server()) as server:
        await start_collect(setup.engine, setup.clock)
        await run_jobs(database, ga4_registry(), resources={"ga4_settings": ga4_settings(server)})

    assert sorted(len(body["events"]) for body in server.bodies()) == [1, 25]
