"""GA4's limits checked locally, and the detection of emails and phones in parameters."""

from __future__ import annotations

import pytest

from cuenty.analytics.ga4.contact_data import is_personal
from cuenty.analytics.ga4.limits import RESERVED_PREFIXES, event_violation


def test_valid_event_passes() -> None:
    assert event_violation("purchase", {"currency": "MXN", "value": 299.0}) is None


def test_name_of_40_characters_passes() -> None:
    assert event_violation("a" * 40, {}) is None


def test_name_of_41_characters_rejected() -> None:
    assert event_violation("a" * 41, {}) == "name_too_long"


def test_name_starting_with_digit_rejected() -> None:
    assert event_violation("1st_purchase", {}) == "name_not_starting_with_letter"


def test_name_with_space_rejected() -> None:
    assert event_violation("add to cart", {}) == "name_invalid_characters"


@pytest.mark.parametrize("prefix", RESERVED_PREFIXES)
def test_reserved_prefix_rejected(prefix: str) -> None:
    assert event_violation(f"{prefix}purchase", {}) == "name_reserved_prefix"


@pytest.mark.parametrize("name", ["session_start", "first_visit", "user_engagement", "ad_click"])
def test_reserved_name_rejected(name: str) -> None:
    assert event_violation(name, {}) == "name_reserved"


def test_25_params_pass() -> None:
    assert event_violation("purchase", {f"p{i}": i for i in range(25)}) is None


def test_26_params_rejected() -> None:
    assert event_violation("purchase", {f"p{i}": i for i in range(26)}) == "too_many_params"


def test_value_of_100_characters_passes() -> None:
    assert event_violation("purchase", {"plan": "x" * 100}) is None


def test_value_of_101_characters_rejected() -> None:
    assert event_violation("purchase", {"plan": "x" * 101}) == "param_value_too_long"


def test_page_location_may_be_longer() -> None:
    assert event_violation("page_view", {"page_location": "https://a.mx/" + "x" * 500}) is None


@pytest.mark.parametrize("prefix", RESERVED_PREFIXES)
def test_param_with_reserved_prefix_rejected(prefix: str) -> None:
    rule = event_violation("purchase", {f"{prefix}campaign": "x"})
    assert rule == "param_name_reserved_prefix"


def test_param_name_of_41_characters_rejected() -> None:
    assert event_violation("purchase", {"p" * 41: "x"}) == "param_name_too_long"


def test_nested_param_value_rejected() -> None:
    assert event_violation("purchase", {"items": {"a": 1}}) == "param_value_type"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("email", "x"),
        ("customer_email", "x"),
        ("Teléfono", "x"),
        ("telefono", "x"),
        ("contact", "ana.lopez@example.com"),
        ("note", "escríbeme a ana@example.mx"),
        ("contact", "+52 55 1234 5678"),
        ("contact", "(55) 1234-5678"),
        ("contact", 5512345678),
        ("ana@example.com", "x"),
    ],
)
def test_personal_parameter_detected(key: str, value: object) -> None:
    assert is_personal(key, value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("plan", "Netflix Premium"),
        ("order", "123e4567-e89b-12d3-a456-426614174000"),
        ("value", 299),
        ("page_location", "https://cuenty.mx/planes/spotify"),
        ("reference", "1234567"),
        ("paid", True),
    ],
)
def test_ordinary_parameter_kept(key: str, value: object) -> None:
    assert not is_personal(key, value)
