"""Provider settings: secrets from files, the production checks, and quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cuenty.config import InsecureSettingsError, Settings
from cuenty.notifications.pacing import quiet_hours_end
from tests.notifications.support import quiet_settings

STRONG = "x" * 40


def production(**values: object) -> Settings:
    base: dict[str, object] = {
        "environment": "production",
        "database_url": "postgresql+psycopg://cuenty@db/cuenty",
        "secret_key": STRONG,
        "encryption_key": STRONG + "e",
        "api_key_hmac_secret": STRONG + "h",
    }
    base.update(values)
    return Settings(_env_file=None, **base)  # type: ignore[call-arg]


def test_production_accepts_dev_providers() -> None:
    assert production().whatsapp_provider == "dev"


def test_production_rejects_provider_without_token() -> None:
    with pytest.raises(InsecureSettingsError, match="CUENTY_TWILIO_AUTH_TOKEN is missing"):
        production(sms_provider="twilio", twilio_account_sid="AC1")


def test_production_accepts_configured_provider() -> None:
    settings = production(
        whatsapp_provider="meta",
        meta_whatsapp_access_token="token",
        meta_whatsapp_phone_number_id="1065",
    )

    assert settings.optional_secret("meta_whatsapp_access_token") == "token"


def test_provider_secret_read_from_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret_file = tmp_path / "twilio"
    secret_file.write_text("from-a-file\n")
    monkeypatch.setenv("CUENTY_TWILIO_AUTH_TOKEN_FILE", str(secret_file))

    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    assert settings.optional_secret("twilio_auth_token") == "from-a-file"
    assert "from-a-file" not in repr(settings)


def test_unset_provider_secret_is_none() -> None:
    assert quiet_settings().optional_secret("smtp_password") is None


@pytest.mark.parametrize(
    ("moment", "ends"),
    [
        # 03:00 UTC is 21:00 in Mexico City: quiet until 08:00 local, 14:00 UTC.
        (datetime(2026, 12, 5, 3, 0, tzinfo=UTC), datetime(2026, 12, 5, 14, 0, tzinfo=UTC)),
        # 13:59 UTC is 07:59 local, still quiet.
        (datetime(2026, 12, 5, 13, 59, tzinfo=UTC), datetime(2026, 12, 5, 14, 0, tzinfo=UTC)),
        # 14:00 UTC is 08:00 local: no longer quiet.
        (datetime(2026, 12, 5, 14, 0, tzinfo=UTC), None),
        # 02:59 UTC is 20:59 local: not yet quiet.
        (datetime(2026, 12, 5, 2, 59, tzinfo=UTC), None),
    ],
)
def test_quiet_hours_span_midnight(moment: datetime, ends: datetime | None) -> None:
    settings = quiet_settings(notifications_quiet_start_hour=21, notifications_quiet_end_hour=8)

    assert quiet_hours_end(settings, moment) == ends
