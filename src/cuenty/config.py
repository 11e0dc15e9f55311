"""Settings of the platform, read from `CUENTY_*` environment variables and an optional `.env`.

Secrets also accept `CUENTY_<NAME>_FILE` pointing to a file, so Docker secrets work.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/cuenty.db"
ONE_MIB = 1024 * 1024

# Development values of every secret. They make `make run` work with no setup, and the app
# refuses to start in production mode while any of them is in use.
DEMO_SECRETS: dict[str, str] = {
    "secret_key": "cuenty-demo-secret-key-do-not-use-in-production",
    "encryption_key": "cuenty-demo-encryption-key-do-not-use-in-production",
    "api_key_hmac_secret": "cuenty-demo-api-key-hmac-secret-do-not-use-in-production",
    "demo_admin_password": "Demo-Admin-2025!",
}
# Secrets of optional providers: unset means the provider is not configured, so they have no
# demo value. Each also accepts `CUENTY_<NAME>_FILE`.
PROVIDER_SECRET_FIELDS = (
    "meta_whatsapp_access_token",
    "meta_whatsapp_app_secret",
    "twilio_auth_token",
    "smtp_password",
    "vapid_private_key",
    "chatwoot_api_token",
    "chatwoot_webhook_secret",
)
SECRET_FIELDS = (*DEMO_SECRETS, *PROVIDER_SECRET_FIELDS)
# Secrets each real provider needs before it can be selected.
PROVIDER_REQUIREMENTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("whatsapp_provider", "meta"): ("meta_whatsapp_access_token", "meta_whatsapp_phone_number_id"),
    ("whatsapp_provider", "twilio"): ("twilio_auth_token", "twilio_account_sid"),
    ("sms_provider", "twilio"): ("twilio_auth_token", "twilio_account_sid"),
    ("email_provider", "smtp"): ("smtp_host",),
    ("push_provider", "webpush"): ("vapid_private_key",),
}


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


def read_secret_files(data: Any, prefix: str, names: Iterable[str]) -> Any:
    """Fill each secret from `<prefix><NAME>_FILE` when the variable itself is unset.

    For the "before" validator of a settings class, so Docker secrets work for its fields.
    """
    if not isinstance(data, dict):
        return data
    for name in names:
        if data.get(name) is not None:
            continue
        path = os.environ.get(f"{prefix}{name.upper()}_FILE")
        if path:
            data[name] = Path(path).read_text(encoding="utf-8").strip()
    return data


class InsecureSettingsError(RuntimeError):
    """Raised when production mode would start with a missing or demo secret."""


class Settings(BaseSettings):
    """Every setting of the platform; see docs/en/configuration.md for each variable."""

    model_config = SettingsConfigDict(
        env_prefix="CUENTY_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = DEFAULT_DATABASE_URL
    database_pool_size: int = Field(default=10, ge=1, le=200)
    # Read-only copy (a streaming replica) for the analytics dashboard's reads; unset means the
    # main database.
    analytics_database_url: str | None = None
    redis_url: str | None = None
    # Seconds between two `service_health` rows of this process; 0 writes none.
    service_heartbeat_seconds: float = Field(default=30, ge=0, le=3600)

    secret_key: SecretStr | None = None
    encryption_key: SecretStr | None = None
    api_key_hmac_secret: SecretStr | None = None
    demo_admin_email: str = "admin@cuenty.mx"
    demo_admin_password: SecretStr | None = None

    default_locale: Literal["es-MX", "en"] = "es-MX"
    company_legal_name: str = "CUENTY S.A. de C.V."
    public_base_url: str = "http://127.0.0.1:8000"
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["127.0.0.1"])
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_body_bytes: int = Field(default=ONE_MIB, ge=1024)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_json: bool | None = None

    access_token_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    refresh_token_ttl_days: int = Field(default=30, ge=1)
    jwt_issuer: str = "cuenty-auth"
    jwt_audience: str = "cuenty-api"
    # Services other than auth read the public keys from here; unset means "read them from
    # the database", as the single-process mode does.
    jwks_url: str | None = None

    rate_limit_enabled: bool = True
    rate_limit_per_ip: str = "100/minute"
    rate_limit_per_user: str = "100/minute"
    rate_limit_per_api_key: str = "500/minute"
    rate_limit_auth: str = "10/15 minutes"
    # Bank and STP deposit notifications, per sending address: a bank announces a day's
    # deposits in bursts, and a refused notification only comes back later.
    rate_limit_bank_notifications: str = "3000/minute"

    # A service is flagged low on stock when its free profiles, minus the paid units waiting
    # for an account, are fewer than this.
    inventory_low_stock_threshold: int = Field(default=3, ge=0)

    # Notifications: one provider per channel; "dev" records messages in a table instead.
    whatsapp_provider: Literal["dev", "meta", "twilio"] = "dev"
    sms_provider: Literal["dev", "twilio"] = "dev"
    email_provider: Literal["dev", "smtp"] = "dev"
    push_provider: Literal["dev", "webpush"] = "dev"
    notifications_max_per_hour: int = Field(default=6, ge=1)
    notifications_quiet_start_hour: int = Field(default=21, ge=0, le=23)
    notifications_quiet_end_hour: int = Field(default=8, ge=0, le=23)
    notifications_marketing_consent: str = "compliance"
    provider_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    meta_whatsapp_api_url: str = "https://graph.facebook.com/v21.0"
    meta_whatsapp_phone_number_id: str | None = None
    meta_whatsapp_access_token: SecretStr | None = None
    meta_whatsapp_app_secret: SecretStr | None = None
    meta_whatsapp_verify_token: str | None = None
    meta_whatsapp_template_language: str = "es_MX"
    twilio_api_url: str = "https://api.twilio.com"
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_sms_from: str | None = None
    twilio_whatsapp_from: str | None = None
    # Approved WhatsApp Content templates per notification template, e.g.
    # {"payment_received": "HX..."}; a template without one is sent as plain Body text.
    twilio_content_sids: dict[str, str] = Field(default_factory=dict)
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_from: str = "CUENTY <no-reply@cuenty.mx>"
    vapid_private_key: SecretStr | None = None
    vapid_subject: str = "mailto:soporte@cuenty.mx"
    push_allow_private_endpoints: bool = False

    # Chatwoot: the integration is off while the base URL is unset.
    chatwoot_base_url: str | None = None
    chatwoot_account_id: int | None = None
    chatwoot_inbox_id: int | None = None
    chatwoot_api_token: SecretStr | None = None
    chatwoot_webhook_secret: SecretStr | None = None
    chatwoot_webhook_mode: Literal["token", "signature"] = "signature"

    # Overrides of the services' own ports (cuenty.services), e.g. {"auth": 4001}.
    service_ports: dict[str, int] = Field(default_factory=dict)

    # Privacy compliance (LFPDPPP 2025). The authority named in reports and notices; since
    # the 2025 law it is the Secretaría Anticorrupción y Buen Gobierno, not INAI.
    compliance_authority_name: str = "Secretaría Anticorrupción y Buen Gobierno (SABG)"
    company_address: str = "Domicilio por configurar (CUENTY_COMPANY_ADDRESS)"
    privacy_officer_name: str = "Departamento de Datos Personales"
    privacy_officer_email: str = "privacidad@cuenty.mx"
    privacy_officer_phone: str | None = None
    # Days a cancellation can be withdrawn before unretained data are suppressed.
    compliance_grace_days: int = Field(default=30, ge=0, le=365)
    # Years fiscal records stay blocked (Código Fiscal de la Federación, art. 30).
    compliance_fiscal_retention_years: int = Field(default=5, ge=0, le=20)
    compliance_export_download_days: int = Field(default=7, ge=1, le=90)
    # A login completed with 2FA this recently verifies the titular's identity.
    compliance_identity_fresh_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # Hours between telling the titular that suppression starts and suppressing the contact.
    compliance_suppression_notice_hours: int = Field(default=1, ge=0, le=168)
    # Business days before a deadline at which the daily alert names a request.
    compliance_alert_business_days: int = Field(default=5, ge=0, le=20)
    # Further federal non-working days (ISO dates, comma-separated), such as days an
    # authority declares in the Diario Oficial.
    compliance_extra_non_business_days: Annotated[list[date], NoDecode] = Field(
        default_factory=list
    )
    # Processors (encargados) of personal data, each with its contract date or null. The
    # compliance check also counts Chatwoot as one whenever CUENTY_CHATWOOT_BASE_URL is set.
    compliance_processors: dict[str, date | None] = Field(default_factory=dict)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator(
        "trusted_proxies", "cors_origins", "compliance_extra_non_business_days", mode="before"
    )
    @classmethod
    def _split_comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @model_validator(mode="before")
    @classmethod
    def _read_secret_files(cls, data: Any) -> Any:
        return read_secret_files(data, "CUENTY_", SECRET_FIELDS)

    @model_validator(mode="after")
    def _apply_secret_policy(self) -> Settings:
        if self.environment is Environment.PRODUCTION:
            _reject_insecure_secrets(self)
            return self
        for name, demo_value in DEMO_SECRETS.items():
            if getattr(self, name) is None:
                setattr(self, name, SecretStr(demo_value))
        return self

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def api_key_environment(self) -> str:
        return "live" if self.is_production else "test"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @cached_property
    def json_logs(self) -> bool:
        return self.is_production if self.log_json is None else self.log_json

    def service_port(self, service: str) -> int:
        from cuenty.services import SERVICES

        return self.service_ports.get(service, SERVICES[service].port)

    def secret(self, name: str) -> str:
        """Return the clear value of a secret setting; every secret is set after validation."""
        value = getattr(self, name)
        assert isinstance(value, SecretStr), f"secret {name} was not filled"
        return value.get_secret_value()

    def optional_secret(self, name: str) -> str | None:
        """Return the clear value of a provider secret, or None when it is not configured."""
        value = getattr(self, name)
        return value.get_secret_value() if isinstance(value, SecretStr) else None


def _reject_insecure_secrets(settings: Settings) -> None:
    problems = []
    for name, demo_value in DEMO_SECRETS.items():
        if name == "demo_admin_password":
            continue
        value = getattr(settings, name)
        variable = f"CUENTY_{name.upper()}"
        if value is None or not value.get_secret_value():
            problems.append(f"{variable} is missing")
        elif value.get_secret_value() == demo_value:
            problems.append(f"{variable} is the demo value")
        elif len(value.get_secret_value()) < 32:
            problems.append(f"{variable} is shorter than 32 characters")
    for (field, provider), needed in PROVIDER_REQUIREMENTS.items():
        if getattr(settings, field) != provider:
            continue
        for name in needed:
            if not getattr(settings, name):
                problems.append(f"CUENTY_{name.upper()} is missing for CUENTY_{field.upper()}")
    if settings.is_sqlite:
        problems.append("CUENTY_DATABASE_URL points to SQLite; production needs PostgreSQL")
    if problems:
        raise InsecureSettingsError("refusing to start in production mode: " + "; ".join(problems))


def get_settings(**overrides: Any) -> Settings:
    """Build settings from the environment, with keyword overrides (used by tests)."""
    return Settings(**overrides)
