"""Who may post events: customers for themselves, staff and API keys for anyone, and
publishable keys for anonymous events from their own origins."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from cuenty.analytics.settings import AnalyticsSettings
from cuenty.app import create_app
from tests.analytics.conftest import (
    ALLOWED_ORIGIN,
    INGEST_KEY,
    api_key,
    browser_headers,
    consenting_customer,
    officer,
    page_view,
    stored_events,
)
from tests.commerce_support import person
from tests.compliance.helpers import customer
from tests.conftest import make_settings

EVENTS = "/v1/analytics/events"
BATCH = "/v1/analytics/events/batch"


async def test_without_credentials_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post(EVENTS, json=page_view(anonymousId="a"))
    assert response.status_code == 401


async def test_customer_sending_for_another_user_is_403(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    _ana_id, ana = await customer(client, "ana@example.com")
    luis_id, _luis = await customer(client, "luis@example.com")
    response = await client.post(EVENTS, json=page_view(userId=str(luis_id)), headers=ana)
    assert response.status_code == 403
    assert response.json()["code"] == "events_for_other_user"
    assert await stored_events(app) == []


async def test_customer_event_without_user_id_is_theirs(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    await officer(client, app)
    ana_id, ana = await consenting_customer(client)
    response = await client.post(EVENTS, json=page_view(), headers=ana)
    assert response.status_code == 202, response.text
    [row] = await stored_events(app)
    assert row.user_id == ana_id


async def test_staff_may_send_for_any_user(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    await officer(client, app)
    ana_id, _ana = await consenting_customer(client)
    ops = await person(client, "ops@example.com", "operations")
    response = await client.post(EVENTS, json=page_view(userId=str(ana_id)), headers=ops)
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 1


async def test_api_key_with_scope_sends_for_a_user(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    await officer(client, app)
    ana_id, _ana = await consenting_customer(client)
    key = await api_key(client, ["analytics:write"])
    event = page_view(userId=str(ana_id), userAgent="Mozilla/5.0 (Windows NT 10.0; Win64; x64)")
    response = await client.post(EVENTS, json=event, headers=key)
    assert response.status_code == 202, response.text
    [row] = await stored_events(app)
    assert row.device == "desktop"


async def test_api_key_without_scope_is_403(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    key = await api_key(client, ["analytics:read"])
    response = await client.post(EVENTS, json=page_view(anonymousId="a"), headers=key)
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"


async def test_unknown_user_id_is_422(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    key = await api_key(client, ["analytics:write"])
    response = await client.post(EVENTS, json=page_view(userId=str(uuid.uuid4())), headers=key)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "user_not_found"


async def test_publishable_key_from_allowed_origin(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    response = await client.post(EVENTS, json=page_view(anonymousId="a"), headers=browser_headers())
    assert response.status_code == 202, response.text
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    [row] = await stored_events(app)
    assert row.user_id is None
    assert row.anonymous_id == "a"


async def test_publishable_key_from_wrong_origin_is_403(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    headers = browser_headers(origin="https://evil.example")
    response = await client.post(EVENTS, json=page_view(anonymousId="a"), headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in response.headers


async def test_publishable_key_without_origin_is_403(
    client: httpx.AsyncClient, analytics: AnalyticsSettings
) -> None:
    headers = {"X-Ingest-Key": INGEST_KEY}
    response = await client.post(EVENTS, json=page_view(anonymousId="a"), headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "origin_missing"
    assert "Origin" in response.json()["detail"]


async def test_unknown_publishable_key_is_401(
    client: httpx.AsyncClient, analytics: AnalyticsSettings
) -> None:
    headers = browser_headers(key="pk_test_not_configured_0000")
    response = await client.post(EVENTS, json=page_view(anonymousId="a"), headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "ingest_key_invalid"


async def test_publishable_key_cannot_name_a_user(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    ana_id, _ana = await customer(client, "ana@example.com")
    event = page_view(anonymousId="a", userId=str(ana_id))
    response = await client.post(EVENTS, json=event, headers=browser_headers())
    assert response.status_code == 403
    assert response.json()["code"] == "ingest_key_anonymous_only"


async def test_publishable_key_works_only_on_events_routes(
    client: httpx.AsyncClient, analytics: AnalyticsSettings
) -> None:
    response = await client.get("/v1/orders", headers=browser_headers())
    assert response.status_code == 401


async def test_preflight_for_allowed_origin(
    client: httpx.AsyncClient, analytics: AnalyticsSettings
) -> None:
    response = await client.options(
        BATCH,
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-ingest-key",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "X-Ingest-Key" in response.headers["access-control-allow-headers"]


async def test_preflight_for_other_origin_gets_no_cors(
    client: httpx.AsyncClient, analytics: AnalyticsSettings
) -> None:
    response = await client.options(
        EVENTS,
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in response.headers
    assert response.status_code == 403
    assert response.json()["code"] == "origin_not_allowed"
    assert "https://evil.example" in response.json()["detail"]


async def test_publishable_key_has_its_own_rate_limit(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    app.state.analytics_settings = AnalyticsSettings(
        _env_file=None,  # type: ignore[call-arg]
        ingest_keys={INGEST_KEY: [ALLOWED_ORIGIN]},
        ingest_rate_limit="2/minute",
    )
    statuses = [
        (
            await client.post(EVENTS, json=page_view(anonymousId="a"), headers=browser_headers())
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [202, 202, 429]
    anonymous = await client.post(EVENTS, json=page_view(anonymousId="a"))
    assert anonymous.status_code == 401


async def test_malformed_ingest_keys_stop_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUENTY_ANALYTICS_INGEST_KEYS", '{"pk_short": ["https://cuenty.mx"]}')
    application = create_app(make_settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/a.db"))

    with pytest.raises(ValidationError, match="shorter than 16 characters"):
        async with application.router.lifespan_context(application):
            pass
