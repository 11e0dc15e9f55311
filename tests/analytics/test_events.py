"""POST /v1/analytics/events and /events/batch: shape, duplicates, time limits, batches."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from cuenty.analytics.models import AnalyticsEvent
from cuenty.analytics.settings import AnalyticsSettings
from tests.analytics.conftest import (
    browser_headers,
    consenting_customer,
    officer,
    page_view,
    stored_events,
)

EVENTS = "/v1/analytics/events"
BATCH = "/v1/analytics/events/batch"


async def test_event_is_stored_with_its_fields(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    await officer(client, app)
    ana_id, ana = await consenting_customer(client)
    event = page_view(
        sessionId="sess_abc123",
        anonymousId="anon-1",
        properties={"duration": 5000, "plan": "netflix"},
        pageUrl="https://cuenty.test/",
        referrer="https://www.google.com/",
    )
    response = await client.post(EVENTS, json=event, headers=ana)
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 1
    [row] = await stored_events(app)
    assert row.user_id == ana_id
    assert row.source == "client"
    assert row.session_id == "sess_abc123"
    assert row.properties == {"duration": 5000, "plan": "netflix"}
    assert row.referrer == "https://www.google.com/"
    assert row.state_code == "unknown"


async def test_same_event_id_is_a_duplicate(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    event = page_view(eventId=str(uuid.uuid4()), anonymousId="anon-1")
    first = await client.post(EVENTS, json=event, headers=browser_headers())
    second = await client.post(EVENTS, json=event, headers=browser_headers())
    assert first.json()["accepted"] == 1
    assert second.status_code == 202
    assert second.json()["duplicates"] == 1
    assert second.json()["results"][0]["status"] == "duplicate"
    assert len(await stored_events(app)) == 1


async def test_duplicate_inside_one_batch(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    event = page_view(eventId=str(uuid.uuid4()), anonymousId="anon-1")
    response = await client.post(BATCH, json={"events": [event, event]}, headers=browser_headers())
    body = response.json()
    assert (body["accepted"], body["duplicates"]) == (1, 1)
    assert [item["status"] for item in body["results"]] == ["accepted", "duplicate"]


async def test_late_event_within_72_hours(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    moment = datetime.now(UTC) - timedelta(hours=72) + timedelta(minutes=1)
    event = page_view(anonymousId="anon-1", timestamp=moment.isoformat())
    response = await client.post(EVENTS, json=event, headers=browser_headers())
    assert response.status_code == 202, response.text
    [row] = await stored_events(app)
    assert abs(row.occurred_at - moment) < timedelta(seconds=1)


async def test_event_older_than_72_hours(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    moment = datetime.now(UTC) - timedelta(hours=72, minutes=1)
    event = page_view(anonymousId="anon-1", timestamp=moment.isoformat())
    response = await client.post(EVENTS, json=event, headers=browser_headers())
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["pointer"] == "#/timestamp"
    assert error["code"] == "timestamp_too_old"
    assert await stored_events(app) == []


async def test_event_from_the_future(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    moment = datetime.now(UTC) + timedelta(minutes=10)
    event = page_view(anonymousId="anon-1", timestamp=moment.isoformat())
    response = await client.post(EVENTS, json=event, headers=browser_headers())
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "timestamp_in_future"


async def test_local_date_is_mexico_city(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    # 03:00 UTC on 6 December is still 5 December in Mexico City (UTC-6).
    moment = datetime.now(UTC).replace(hour=3, minute=0, second=0, microsecond=0)
    if moment > datetime.now(UTC):
        moment -= timedelta(days=1)
    event = page_view(anonymousId="anon-1", timestamp=moment.isoformat())
    await client.post(EVENTS, json=event, headers=browser_headers())
    [row] = await stored_events(app)
    assert row.local_date == (moment - timedelta(days=1)).date()


async def test_batch_of_500_is_stored(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    events = [page_view(anonymousId=f"anon-{n}", sessionId=f"s-{n % 7}") for n in range(500)]
    response = await client.post(BATCH, json={"events": events}, headers=browser_headers())
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 500
    assert len(await stored_events(app)) == 500


async def test_batch_of_501_is_rejected(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    events = [page_view(anonymousId="anon-1") for _ in range(501)]
    response = await client.post(BATCH, json={"events": events}, headers=browser_headers())
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/events"
    assert await stored_events(app) == []


async def test_one_invalid_event_rejects_the_batch(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    events = [page_view(anonymousId="anon-1") for _ in range(5)]
    events[3] = {"eventName": "sin tipo", "anonymousId": "anon-1"}
    response = await client.post(BATCH, json={"events": events}, headers=browser_headers())
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/events/3/eventType"
    assert await stored_events(app) == []


async def test_rule_error_points_into_the_batch(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    events = [page_view(anonymousId="anon-1"), page_view()]
    response = await client.post(BATCH, json={"events": events}, headers=browser_headers())
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["pointer"] == "#/events/1/anonymousId"
    assert error["code"] == "anonymous_id_required"


async def test_error_is_spanish_by_default_and_english_on_request(
    client: httpx.AsyncClient, analytics: AnalyticsSettings
) -> None:
    event = page_view()
    spanish = await client.post(EVENTS, json=event, headers=browser_headers())
    english = await client.post(
        EVENTS, json=event, headers={**browser_headers(), "Accept-Language": "en"}
    )
    assert spanish.json()["errors"][0]["message"] != english.json()["errors"][0]["message"]
    assert "anonymousId" in english.json()["errors"][0]["message"]


async def test_unknown_field_is_rejected(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    event = page_view(anonymousId="anon-1", role="admin")
    response = await client.post(EVENTS, json=event, headers=browser_headers())
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/role"


async def test_event_needs_user_or_anonymous_id(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    from tests.analytics.conftest import api_key

    key = await api_key(client, ["analytics:write"])
    response = await client.post(EVENTS, json=page_view(), headers=key)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "identity_missing"
    assert await stored_events(app, AnalyticsEvent.source == "client") == []
