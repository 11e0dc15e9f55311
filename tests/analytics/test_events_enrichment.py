"""What ingestion adds to an event: device, browser and OS from the User-Agent, and the
state from the user's postal code."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from cuenty.analytics.location import state_code_for
from cuenty.analytics.settings import AnalyticsSettings
from cuenty.analytics.useragent import Device, parse_user_agent
from tests.analytics.conftest import (
    api_key,
    browser_headers,
    consenting_customer,
    officer,
    page_view,
    stored_events,
)

EVENTS = "/v1/analytics/events"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
ANDROID_PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.0 Mobile/15E148 Safari/604.1"
)
ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36"
)
WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.mark.parametrize(
    ("agent", "device", "browser", "os"),
    [
        (IPHONE, Device.MOBILE, "Mobile Safari", "iOS"),
        (ANDROID_PHONE, Device.MOBILE, "Chrome", "Android"),
        (IPAD, Device.TABLET, "Mobile Safari", "iOS"),
        (ANDROID_TABLET, Device.TABLET, "Chrome", "Android"),
        (WINDOWS, Device.DESKTOP, "Chrome", "Windows"),
        (GOOGLEBOT, Device.BOT, "Googlebot", None),
    ],
)
def test_user_agent_classes(agent: str, device: Device, browser: str, os: str | None) -> None:
    parsed = parse_user_agent(agent)
    assert parsed.device == device
    assert parsed.browser == browser
    assert parsed.os == os


@pytest.mark.parametrize("agent", [None, "", "curl/8.5.0"])
def test_unclassifiable_agent_is_unknown(agent: str | None) -> None:
    assert parse_user_agent(agent).device == Device.UNKNOWN


@pytest.mark.parametrize(
    ("postal_code", "state"),
    [
        ("44100", "MX-JAL"),
        ("06600", "MX-CMX"),
        ("00100", "unknown"),
        ("12", "unknown"),
        (None, "unknown"),
    ],
)
def test_state_from_postal_code(postal_code: str | None, state: str) -> None:
    assert state_code_for(postal_code) == state


async def test_header_user_agent_is_parsed(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    headers = {**browser_headers(), "User-Agent": IPHONE}
    await client.post(EVENTS, json=page_view(anonymousId="a"), headers=headers)
    [row] = await stored_events(app)
    assert (row.device, row.browser, row.os) == ("mobile", "Mobile Safari", "iOS")


async def test_body_user_agent_wins_for_server_senders(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    key = await api_key(client, ["analytics:write"])
    event = page_view(anonymousId="a", userAgent=IPAD)
    await client.post(EVENTS, json=event, headers={**key, "User-Agent": "python-httpx/0.28"})
    [row] = await stored_events(app)
    assert row.device == "tablet"


async def test_event_counts_for_the_users_state(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    await officer(client, app)
    _ana_id, ana = await consenting_customer(client, postalCode="44100")
    await client.post(EVENTS, json=page_view(), headers=ana)
    [row] = await stored_events(app)
    assert row.state_code == "MX-JAL"


async def test_user_without_postal_code_is_unknown(
    client: httpx.AsyncClient, app: FastAPI, analytics: AnalyticsSettings
) -> None:
    await officer(client, app)
    _ana_id, ana = await consenting_customer(client)
    await client.post(EVENTS, json=page_view(), headers=ana)
    [row] = await stored_events(app)
    assert row.state_code == "unknown"
