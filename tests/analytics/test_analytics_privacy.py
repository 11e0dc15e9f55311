"""Analytics in ARCO requests: export of the titular's own client events, and suppression
that deletes them but keeps platform revenue rows without the user id."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from cuenty.analytics.models import AnalyticsEvent, AnalyticsSession, IdentityLink, UserBehavior
from cuenty.analytics.settings import AnalyticsSettings
from cuenty.compliance import exports, registry
from tests.analytics.conftest import (
    behavior_of,
    browser_headers,
    consenting_customer,
    officer,
    page_view,
    stored_events,
)

EVENTS = "/v1/analytics/events"


async def two_visitors(client: httpx.AsyncClient, app: FastAPI) -> tuple[object, object]:
    """Ana (anonymous visit, then signed in) and Luis each send events; Ana has a payment."""
    await officer(client, app)
    await client.post(
        EVENTS,
        json=page_view(anonymousId="ana-visitor", sessionId="s-anon"),
        headers=browser_headers(),
    )
    ana_id, ana = await consenting_customer(client, "ana@example.com")
    luis_id, luis = await consenting_customer(client, "luis@example.com")
    await client.post(
        EVENTS, json=page_view(anonymousId="ana-visitor", sessionId="s-ana"), headers=ana
    )
    await client.post(EVENTS, json=page_view(sessionId="s-luis"), headers=luis)
    async with app.state.session_factory() as session, session.begin():
        session.add(
            AnalyticsEvent(
                event_id=uuid.uuid4(),
                source="platform",
                event_type="payment",
                event_name="payment.reconciled",
                user_id=ana_id,
                properties={},
                occurred_at=datetime.now(UTC),
                local_date=datetime.now(UTC).date(),
                state_code="unknown",
                amount=Decimal("63.00"),
            )
        )
    return ana_id, luis_id


async def test_export_lists_only_the_titulars_client_events(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    ana_id, _luis_id = await two_visitors(client, app)
    async with app.state.session_factory() as session:
        document = await exports.collect(session, ana_id, datetime.now(UTC))
    data = document["data"]["analytics"]
    assert sorted(event["sessionId"] for event in data["events"]) == ["s-ana", "s-anon"]
    assert data["anonymousIds"] == ["ana-visitor"]
    assert data["behavior"]["sessions"] == 1


async def test_suppress_deletes_client_data_and_detaches_revenue(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    ana_id, luis_id = await two_visitors(client, app)
    async with app.state.session_factory() as session, session.begin():
        await registry.category("analytics").source.suppress(session, ana_id)

    remaining = await stored_events(app, AnalyticsEvent.source == "client")
    assert [row.session_id for row in remaining] == ["s-luis"]
    [payment] = await stored_events(app, AnalyticsEvent.event_type == "payment")
    assert payment.user_id is None
    assert payment.amount == Decimal("63.00")
    assert await behavior_of(app, ana_id) is None
    assert await behavior_of(app, luis_id) is not None
    async with app.state.session_factory() as session:
        links = (await session.scalars(select(IdentityLink))).all()
        sessions = (await session.scalars(select(AnalyticsSession.session_id))).all()
        behaviors = (await session.scalars(select(UserBehavior.user_id))).all()
    assert links == []
    assert sorted(sessions) == ["s-luis"]
    assert ana_id not in behaviors
