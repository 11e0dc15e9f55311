"""Rules on event properties: size, shape and personal data, by name and by value."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cuenty.analytics.properties import (
    check_properties,
    personal_data_kind_of_key,
    personal_data_kind_of_value,
)
from cuenty.analytics.settings import AnalyticsSettings
from tests.analytics.conftest import ALLOWED_ORIGIN, INGEST_KEY, browser_headers, page_view

EVENTS = "/v1/analytics/events"


def codes(properties: dict[str, Any], *, allowed: bool = False) -> list[tuple[str, str]]:
    errors = check_properties(properties, "/properties", "page_view", personal_data_allowed=allowed)
    return [(str(error.pointer), error.code) for error in errors]


def test_plain_properties_pass() -> None:
    assert codes({"duration": 5000, "plan": "netflix", "tags": ["a", "b"], "ok": True}) == []


def test_serialized_size_limit() -> None:
    properties = {f"k{n}": "x" * 900 for n in range(10)}
    assert codes(properties) == [("#/properties", "properties_too_large")]


def test_too_many_keys() -> None:
    assert codes({f"k{n}": n for n in range(51)}) == [("#/properties", "too_many_keys")]


def test_key_too_long() -> None:
    assert codes({"k" * 65: 1}) == [("#/properties/" + "k" * 65, "key_too_long")]


def test_empty_key() -> None:
    assert codes({"": 1}) == [("#/properties/", "key_invalid")]


def test_string_too_long() -> None:
    assert codes({"text": "x" * 1025}) == [("#/properties/text", "string_too_long")]


def test_list_too_long() -> None:
    assert codes({"items": list(range(101))}) == [("#/properties/items", "list_too_long")]


def test_three_levels_pass_and_four_fail() -> None:
    assert codes({"a": {"b": {"c": 1}}}) == []
    assert codes({"a": {"b": {"c": {"d": 1}}}}) == [("#/properties/a/b/c", "too_deep")]


def test_pointer_escapes_slash() -> None:
    assert codes({"a/b": "x" * 1025}) == [("#/properties/a~1b", "string_too_long")]


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("email", "email"),
        ("userEmail", "email"),
        ("correo_electronico", "email"),
        ("phoneNumber", "phone"),
        ("teléfono", "phone"),
        ("curp", "CURP"),
        ("RFC", "RFC"),
        ("password", "password"),
        ("contraseña", "password"),
        ("card_number", "card"),
        ("clabe", "CLABE"),
    ],
)
def test_personal_key_names(key: str, kind: str) -> None:
    assert personal_data_kind_of_key(key) == kind


@pytest.mark.parametrize("key", ["duration", "plan", "discard", "cardinality", "performance"])
def test_ordinary_key_names(key: str) -> None:
    assert personal_data_kind_of_key(key) is None


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("ana@example.com", "email"),
        ("55 1234 5678", "phone"),
        ("+52 1 55 1234 5678", "phone"),
        ("4111 1111 1111 1111", "card"),
        ("646180157000000004", "CLABE"),
        ("GODE561231HDFRRN09", "CURP"),
        ("GODE561231GR8", "RFC"),
    ],
)
def test_personal_values(value: str, kind: str) -> None:
    assert personal_data_kind_of_value(value) == kind


@pytest.mark.parametrize("value", ["netflix", "1234", "2026-12-05", "sess_abc123", "99.50"])
def test_ordinary_values(value: str) -> None:
    assert personal_data_kind_of_value(value) is None


def test_personal_value_inside_a_list() -> None:
    assert codes({"contacts": ["ana@example.com"]}) == [
        ("#/properties/contacts/0", "personal_data_value")
    ]


def test_allowed_event_type_may_carry_personal_data() -> None:
    assert codes({"email": "ana@example.com"}, allowed=True) == []


async def test_personal_property_is_422_naming_pointer_and_rule(
    client: httpx.AsyncClient, analytics: AnalyticsSettings
) -> None:
    event = page_view(anonymousId="a", properties={"form": {"email": "x"}})
    response = await client.post(EVENTS, json=event, headers=browser_headers())
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["pointer"] == "#/properties/form/email"
    assert error["code"] == "personal_data_key"


async def test_settings_allow_personal_data_for_listed_types(
    client: httpx.AsyncClient, app: Any
) -> None:
    app.state.analytics_settings = AnalyticsSettings(
        _env_file=None,  # type: ignore[call-arg]
        ingest_keys={INGEST_KEY: [ALLOWED_ORIGIN]},
        personal_data_event_types="contact_form",
    )
    event = page_view(anonymousId="a", eventType="contact_form", properties={"email": "a@b.mx"})
    response = await client.post(EVENTS, json=event, headers=browser_headers())
    assert response.status_code == 202, response.text


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("escribe a ana@example.com", "email"),
        ("tel 55 1234 5678", "phone"),
        ("llámame al (55) 1234-5678 en la tarde", "phone"),
        ("Mi CURP es LOOA531113HTCPBN07", "CURP"),
        ("mi rfc: gode561231gr8, gracias", "RFC"),
    ],
)
def test_personal_data_inside_text(value: str, kind: str) -> None:
    assert personal_data_kind_of_value(value) == kind


@pytest.mark.parametrize(
    "value",
    [
        "pedido 6f1c2a3e-1234-4c5d-9e8f-1234567890ab",
        "order-5512345678",
        "plan netflix 4 perfiles por 3 meses",
        "código ABC123456XYZ",
        "score 0.1234567890",
    ],
)
def test_ids_inside_text_pass(value: str) -> None:
    assert personal_data_kind_of_value(value) is None


async def test_page_url_query_personal_data(
    client: httpx.AsyncClient, analytics: AnalyticsSettings
) -> None:
    url = "https://cuenty.mx/registro?email=ana@example.com&tel=5512345678"
    event = page_view(anonymousId="a", pageUrl=url)
    response = await client.post(EVENTS, json=event, headers=browser_headers())
    [error] = response.json()["errors"]
    assert (response.status_code, error["pointer"], error["code"]) == (
        422,
        "#/pageUrl",
        "personal_data_url",
    )


async def test_referrer_query_personal_data(
    client: httpx.AsyncClient, analytics: AnalyticsSettings
) -> None:
    event = page_view(anonymousId="a", referrer="https://example.com/?q=55+1234+5678")
    response = await client.post(EVENTS, json=event, headers=browser_headers())
    assert response.json()["errors"][0]["pointer"] == "#/referrer"


async def test_utm_query_passes(client: httpx.AsyncClient, analytics: AnalyticsSettings) -> None:
    url = "https://cuenty.mx/?utm_source=google&utm_campaign=buen_fin_2026&gclid=Cj0KCQ"
    event = page_view(anonymousId="a", pageUrl=url)
    response = await client.post(EVENTS, json=event, headers=browser_headers())
    assert response.status_code == 202
