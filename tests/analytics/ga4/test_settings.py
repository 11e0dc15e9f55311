"""GA4 settings: off by default, no credentials invented, secrets from files, safe endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from cuenty.analytics.ga4.settings import GOOGLE_ENDPOINT, Ga4Settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENABLED", "MEASUREMENT_ID", "API_SECRET", "API_SECRET_FILE", "ENDPOINT"):
        monkeypatch.delenv(f"CUENTY_GA4_{name}", raising=False)


def _settings(**values: object) -> Ga4Settings:
    return Ga4Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_defaults_forward_nothing() -> None:
    settings = _settings()
    assert settings.active is False
    assert settings.api_secret is None
    assert settings.endpoint == GOOGLE_ENDPOINT


def test_enabled_without_secret_rejected() -> None:
    with pytest.raises(ValidationError, match="CUENTY_GA4_API_SECRET"):
        _settings(enabled=True, measurement_id="G-ABC123DEF4")


def test_secret_read_from_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret_file = tmp_path / "ga4_secret"
    secret_file.write_text("from-a-file\n", encoding="utf-8")
    monkeypatch.setenv("CUENTY_GA4_API_SECRET_FILE", str(secret_file))
    settings = _settings(enabled=True, measurement_id="G-ABC123DEF4", forward_events="payment")
    assert settings.secret() == "from-a-file"
    assert "from-a-file" not in repr(settings)


def test_plain_http_endpoint_rejected_off_loopback() -> None:
    with pytest.raises(ValidationError, match="https"):
        _settings(endpoint="http://analytics.example.com")


def test_plain_http_endpoint_accepted_on_loopback() -> None:
    assert _settings(endpoint="http://127.0.0.1:8080/").endpoint == "http://127.0.0.1:8080"


def test_measurement_id_format_checked() -> None:
    with pytest.raises(ValidationError, match="measurement_id"):
        _settings(measurement_id="UA-1234-1")


def test_lists_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUENTY_GA4_FORWARD_EVENTS", "page_view, payment")
    monkeypatch.setenv("CUENTY_GA4_EVENT_NAMES", '{"payment": "purchase"}')
    settings = _settings()
    assert settings.forward_events == ["page_view", "payment"]
    assert settings.ga4_name("payment") == "purchase"
    assert settings.ga4_name("signup") == "signup"
