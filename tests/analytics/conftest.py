"""Shared steps of the analytics tests: settings with a publishable key, customers who
consent to analytics, staff, API keys, and reading stored events."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from cuenty.analytics.models import AnalyticsEvent, UserBehavior
from cuenty.analytics.settings import AnalyticsSettings
from tests.commerce_support import person
from tests.compliance.helpers import customer, publish_notice, staff

INGEST_KEY = "pk_test_0123456789abcdef"
ALLOWED_ORIGIN = "https://cuenty.test"
Headers = dict[str, str]


@pytest.fixture
def analytics(app: FastAPI) -> AnalyticsSettings:
    """Analytics settings with one publishable key for ALLOWED_ORIGIN, set on the app."""
    settings = AnalyticsSettings(_env_file=None, ingest_keys={INGEST_KEY: [ALLOWED_ORIGIN]})  # type: ignore[call-arg]
    app.state.analytics_settings = settings
    return settings


def browser_headers(origin: str = ALLOWED_ORIGIN, key: str = INGEST_KEY) -> Headers:
    return {"X-Ingest-Key": key, "Origin": origin}


async def officer(client: httpx.AsyncClient, app: FastAPI) -> Headers:
    """A compliance officer who has published a notice listing every purpose."""
    _officer_id, headers = await staff(client, app, "oficial@example.com")
    await publish_notice(client, headers)
    return headers


async def consenting_customer(
    client: httpx.AsyncClient, email: str = "ana@example.com", **extra: object
) -> tuple[uuid.UUID, Headers]:
    """A customer who granted the analytics consent; a notice must be published first."""
    user_id, headers = await customer(client, email, **extra)
    response = await client.post(
        "/v1/compliance/consent/register",
        json={"consentType": "analytics", "consentText": "Acepto", "version": "1.0.0"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return user_id, headers


async def api_key(client: httpx.AsyncClient, scopes: list[str]) -> Headers:
    """An operations member's API key with `scopes`, as an X-API-Key header."""
    headers = await person(client, f"ops-{uuid.uuid4().hex[:6]}@example.com", "operations")
    response = await client.post(
        "/v1/api-keys", json={"name": "servidor", "scopes": scopes}, headers=headers
    )
    assert response.status_code == 201, response.text
    return {"X-API-Key": response.json()["key"]}


def page_view(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"eventType": "page_view", "eventName": "home_viewed"}
    event.update(fields)
    return event


async def stored_events(app: FastAPI, *conditions: Any) -> list[AnalyticsEvent]:
    async with app.state.session_factory() as session:
        rows = await session.scalars(
            select(AnalyticsEvent).where(*conditions).order_by(AnalyticsEvent.id)
        )
        return list(rows.all())


async def behavior_of(app: FastAPI, user_id: uuid.UUID) -> UserBehavior | None:
    async with app.state.session_factory() as session:
        return await session.get(UserBehavior, user_id)
