"""Compliance settings read from the environment."""

from __future__ import annotations

from datetime import date

import pytest

from cuenty.compliance.deadlines import calendar_for
from cuenty.config import Settings


def test_extra_days_and_processors_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUENTY_COMPLIANCE_EXTRA_NON_BUSINESS_DAYS", "2026-04-02, 2026-04-03")
    monkeypatch.setenv("CUENTY_COMPLIANCE_PROCESSORS", '{"chatwoot": "2026-01-15"}')
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.compliance_extra_non_business_days == [date(2026, 4, 2), date(2026, 4, 3)]
    assert settings.compliance_processors == {"chatwoot": date(2026, 1, 15)}
    assert calendar_for(settings).is_business_day(date(2026, 4, 2)) is False


def test_invalid_extra_day_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUENTY_COMPLIANCE_EXTRA_NON_BUSINESS_DAYS", "2 de abril")
    with pytest.raises(ValueError, match="compliance_extra_non_business_days"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_authority_defaults_to_sabg() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert "SABG" in settings.compliance_authority_name
