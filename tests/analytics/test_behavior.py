"""user_behavior and analytics_sessions after a sequence of events, consent, identity links
and concurrent ingestion."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from cuenty.analytics.behavior import average_time_on_site_seconds
from cuenty.analytics.models import AnalyticsEvent, AnalyticsSession, IdentityLink
from cuenty.analytics.settings import AnalyticsSettings
from tests.analytics.conftest import (
    behavior_of,
    browser_headers,
    consenting_customer,
    officer,
    page_view,
    stored_events,
)
from tests.commerce_support import run_all_jobs
from tests.compliance.helpers import customer
from tests.conftest import TestDatabase

EVENTS = "/v1/analytics/events"
BATCH = "/v1/analytics/events/batch"


def at(start: datetime, seconds: int, **fields: object) -> dict[str, object]:
    return page_view(timestamp=(start + timedelta(seconds=seconds)).isoformat(), **fields)


async def test_behavior_after_two_sessions(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    await officer(client, app)
    ana_id, ana = await consenting_customer(client)
    start = datetime.now(UTC) - timedelta(hours=2)
    first = [at(start, 0, sessionId="s1"), at(start, 60, sessionId="s1")]
    second = [at(start, 3600, sessionId="s2"), at(start, 3700, sessionId="s2")]
    await client.post(BATCH, json={"events": first}, headers=ana)
    await client.post(BATCH, json={"events": second}, headers=ana)
    behavior = await behavior_of(app, ana_id)
    assert behavior is not None
    assert behavior.sessions == 2
    assert behavior.events == 4
    assert behavior.total_time_on_site_seconds == 160
    assert average_time_on_site_seconds(behavior) == 80
    assert behavior.last_session_at == start + timedelta(seconds=3600)
    assert behavior.conversions == 0


async def test_late_event_extends_its_session(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    await officer(client, app)
    ana_id, ana = await consenting_customer(client)
    start = datetime.now(UTC) - timedelta(hours=2)
    await client.post(
        BATCH,
        json={"events": [at(start, 100, sessionId="s1"), at(start, 130, sessionId="s1")]},
        headers=ana,
    )
    await client.post(EVENTS, json=at(start, 0, sessionId="s1"), headers=ana)
    behavior = await behavior_of(app, ana_id)
    assert behavior is not None
    assert behavior.sessions == 1
    assert behavior.total_time_on_site_seconds == 130
    assert behavior.first_seen_at == start


async def test_anonymous_session_joins_the_user_who_signs_in(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    await officer(client, app)
    start = datetime.now(UTC) - timedelta(hours=1)
    visit = at(start, 0, sessionId="s1", anonymousId="visitor-1")
    await client.post(EVENTS, json=visit, headers=browser_headers())
    ana_id, ana = await consenting_customer(client)
    await client.post(
        EVENTS, json=at(start, 300, sessionId="s1", anonymousId="visitor-1"), headers=ana
    )
    async with app.state.session_factory() as session:
        link = await session.get(IdentityLink, "visitor-1")
        row = await session.get(AnalyticsSession, "s1")
    assert link is not None and link.user_id == ana_id
    assert row is not None and row.user_id == ana_id
    behavior = await behavior_of(app, ana_id)
    assert behavior is not None
    assert behavior.total_time_on_site_seconds == 300


async def test_payment_counts_as_conversion(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings, database: TestDatabase
) -> None:
    await officer(client, app)
    ana_id, ana = await consenting_customer(client)
    # A client cannot report a conversion: only platform payment rows count.
    await client.post(EVENTS, json=page_view(eventType="payment"), headers=ana)
    behavior = await behavior_of(app, ana_id)
    assert behavior is not None
    assert behavior.conversions == 0


async def test_event_without_consent_is_dropped(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    await officer(client, app)
    ana_id, ana = await customer(client, "ana@example.com")
    response = await client.post(EVENTS, json=page_view(anonymousId="v1"), headers=ana)
    assert response.status_code == 202
    assert response.json()["dropped"] == 1
    assert await stored_events(app) == []
    assert await behavior_of(app, ana_id) is None


async def test_revoked_consent_drops_events_and_links(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings, database: TestDatabase
) -> None:
    await officer(client, app)
    _ana_id, ana = await consenting_customer(client)
    await client.post(EVENTS, json=page_view(anonymousId="v1"), headers=ana)
    revoked = await client.post(
        "/v1/compliance/consent/revoke", json={"consentType": "analytics"}, headers=ana
    )
    assert revoked.status_code == 201, revoked.text
    response = await client.post(EVENTS, json=page_view(anonymousId="v1"), headers=ana)
    assert response.json()["dropped"] == 1
    await run_all_jobs(database)
    async with app.state.session_factory() as session:
        links = (await session.scalars(select(IdentityLink))).all()
    assert links == []
    assert len(await stored_events(app, AnalyticsEvent.source == "client")) == 1


async def test_concurrent_posts_of_one_event_store_one_row(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings, database: TestDatabase
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL case; SQLite has one writer")
    event = page_view(eventId=str(uuid.uuid4()), anonymousId="v1", sessionId="s1")
    responses = await asyncio.gather(
        *(client.post(EVENTS, json=event, headers=browser_headers()) for _ in range(50))
    )
    assert {response.status_code for response in responses} == {202}
    assert sum(response.json()["accepted"] for response in responses) == 1
    assert len(await stored_events(app)) == 1


async def test_concurrent_events_of_one_user_all_count(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings, database: TestDatabase
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL case; SQLite has one writer")
    await officer(client, app)
    ana_id, ana = await consenting_customer(client)
    start = datetime.now(UTC) - timedelta(hours=1)
    responses = await asyncio.gather(
        *(client.post(EVENTS, json=at(start, n, sessionId="s1"), headers=ana) for n in range(30))
    )
    assert {response.status_code for response in responses} == {202}
    behavior = await behavior_of(app, ana_id)
    assert behavior is not None
    assert behavior.events == 30
    assert behavior.sessions == 1
    assert behavior.total_time_on_site_seconds == 29
