"""A Measurement Protocol stand-in on 127.0.0.1, GA4 settings that point at it, stored events
inserted directly, and a job runner with only the GA4 jobs."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.analytics.ga4 import tasks
from cuenty.analytics.ga4.settings import Ga4Settings
from cuenty.analytics.models import AnalyticsEvent
from cuenty.compliance.models import ConsentLog, PrivacyNotice
from cuenty.identity.models import User
from cuenty.kit.db import create_session_factory, transaction
from cuenty.kit.jobs import JobRegistry, enqueue, registry
from cuenty.kit.jobs.embedded import EmbeddedRunner
from tests.jobs.support import FakeClock, embedded_runner
from tests.payments.banks.support import MockServer, Reply, Seen, json_reply, serve

MEASUREMENT_ID = "G-TEST123456"
API_SECRET = "mp-secret-Zq81xT0"


class Ga4Server(MockServer):
    """Answers /mp/collect with 204, or with the next status in `statuses`; answers
    /debug/mp/collect with `validation_messages`."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        super().__init__()
        self.statuses = list(statuses or [])
        self.validation_messages: list[dict[str, str]] = []
        self.routes[("POST", "/mp/collect")] = self._collect
        self.routes[("POST", "/debug/mp/collect")] = self._validate

    def _collect(self, _: Seen) -> Reply:
        status = self.statuses.pop(0) if self.statuses else 204
        return status, {}, b""

    def _validate(self, _: Seen) -> Reply:
        return json_reply({"validationMessages": self.validation_messages})

    def bodies(self) -> list[dict[str, Any]]:
        return [request.json() for request in self.seen]

    def raw(self) -> bytes:
        return b"\n".join(request.body for request in self.seen)


@contextmanager
def running(server: Ga4Server) -> Iterator[Ga4Server]:
    with serve(server) as started:
        yield started  # type: ignore[misc]


def ga4_settings(server: Ga4Server | None, **overrides: Any) -> Ga4Settings:
    values: dict[str, Any] = {
        "enabled": True,
        "measurement_id": MEASUREMENT_ID,
        "api_secret": API_SECRET,
        "endpoint": server.url if server else "http://127.0.0.1:9",
        "forward_events": ["page_view", "payment", "click", "signup"],
        "settle_seconds": 0,
        "timeout_seconds": 5,
    }
    values.update(overrides)
    return Ga4Settings(_env_file=None, **values)  # type: ignore[call-arg]


def ga4_registry() -> JobRegistry:
    jobs = JobRegistry()
    for name in (tasks.COLLECT_JOB, tasks.SEND_JOB):
        jobs.handlers[name] = registry.get(name)
    return jobs


def runner(engine: AsyncEngine, settings: Ga4Settings, clock: FakeClock) -> EmbeddedRunner:
    return embedded_runner(engine, ga4_registry(), clock, resources={"ga4_settings": settings})


async def start_collect(engine: AsyncEngine, clock: FakeClock) -> None:
    """Enqueue one run of the periodic collect job, as its schedule would."""
    async with transaction(create_session_factory(engine)) as session:
        await enqueue(session, tasks.COLLECT_JOB, {}, now=clock)


def event_row(
    occurred_at: datetime | None = None,
    *,
    event_type: str = "page_view",
    anonymous_id: str | None = "anon-1",
    user_id: uuid.UUID | None = None,
    properties: dict[str, Any] | None = None,
    page_url: str | None = "https://cuenty.mx/planes",
    amount: Decimal | None = None,
    order_id: uuid.UUID | None = None,
    source: str = "client",
) -> AnalyticsEvent:
    moment = occurred_at or datetime.now(UTC) - timedelta(minutes=5)
    return AnalyticsEvent(
        event_id=uuid.uuid4(),
        source=source,
        event_type=event_type,
        event_name=event_type,
        user_id=user_id,
        anonymous_id=anonymous_id,
        properties=properties or {},
        page_url=page_url,
        occurred_at=moment,
        local_date=date(2026, 12, 5),
        state_code="unknown",
        amount=amount,
        order_id=order_id,
    )


async def store(engine: AsyncEngine, *rows: Any) -> None:
    async with transaction(create_session_factory(engine)) as session:
        session.add_all(rows)


async def consenting_user(engine: AsyncEngine, *, granted: bool = True) -> uuid.UUID:
    """Store a user and, when `granted`, their consent to analytics under a notice listing it."""
    user = User(name="Ana Pruebas", email=f"{uuid.uuid4().hex[:8]}@example.com")
    notice = PrivacyNotice(
        version="1.0.0",
        version_key=[1, 0, 0],
        notice_type="integral",
        title="Aviso de privacidad",
        content="Texto del aviso",
        content_sha256=hashlib.sha256(b"Texto del aviso").hexdigest(),
        purposes=["terms_of_service", "analytics"],
        effective_date=date(2026, 1, 1),
    )
    async with transaction(create_session_factory(engine)) as session:
        session.add_all([user, notice])
        await session.flush()
        if granted:
            session.add(
                ConsentLog(
                    user_id=user.id,
                    purpose="analytics",
                    action="granted",
                    mode="tacit",
                    notice_version="1.0.0",
                    source="web",
                )
            )
    return user.id
