"""Settings: environment variables, secret files, and production's refusal of demo secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from cuenty.config import DEMO_SECRETS, InsecureSettingsError, Settings

STRONG = "x" * 40
PG = "postgresql+psycopg://cuenty@db/cuenty"


def production(**values: object) -> Settings:
    base: dict[str, object] = {
        "environment": "production",
        "database_url": PG,
        "secret_key": STRONG,
        "encryption_key": STRONG,
        "api_key_hmac_secret": STRONG,
    }
    base.update(values)
    return Settings(_env_file=None, **base)  # type: ignore[call-arg]


def test_development_fills_demo_secrets() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.secret("secret_key") == DEMO_SECRETS["secret_key"]


def test_production_with_strong_secrets_starts() -> None:
    assert production().is_production


def test_production_rejects_demo_secret_by_name() -> None:
    with pytest.raises(InsecureSettingsError, match="CUENTY_ENCRYPTION_KEY is the demo value"):
        production(encryption_key=DEMO_SECRETS["encryption_key"])


def test_production_rejects_missing_secret_by_name() -> None:
    with pytest.raises(InsecureSettingsError, match="CUENTY_SECRET_KEY is missing"):
        production(secret_key=None)


def test_production_rejects_short_secret() -> None:
    with pytest.raises(InsecureSettingsError, match="shorter than 32"):
        production(api_key_hmac_secret="corta")


def test_production_rejects_sqlite() -> None:
    with pytest.raises(InsecureSettingsError, match="SQLite"):
        production(database_url="sqlite+aiosqlite:///./var/cuenty.db")


def test_secret_read_from_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret_file = tmp_path / "secret_key"
    secret_file.write_text("y" * 48 + "\n", encoding="utf-8")
    monkeypatch.setenv("CUENTY_SECRET_KEY_FILE", str(secret_file))
    assert Settings(_env_file=None).secret("secret_key") == "y" * 48  # type: ignore[call-arg]


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUENTY_TRUSTED_PROXIES", "10.0.0.1, 10.0.0.2")
    monkeypatch.setenv("CUENTY_MAX_BODY_BYTES", "4096")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.trusted_proxies == ["10.0.0.1", "10.0.0.2"]
    assert settings.max_body_bytes == 4096


def test_secrets_are_hidden_in_repr() -> None:
    assert DEMO_SECRETS["secret_key"] not in repr(Settings(_env_file=None))  # type: ignore[call-arg]
