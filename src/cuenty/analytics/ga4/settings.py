"""Settings of GA4 forwarding, read from `CUENTY_GA4_*` environment variables and `.env`.

The API secret accepts `CUENTY_GA4_API_SECRET_FILE`, so Docker secrets work. Forwarding is off
unless `enabled` is true and `forward_events` names at least one event type.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from cuenty.config import read_secret_files

GOOGLE_ENDPOINT = "https://www.google-analytics.com"
MAX_BATCH_SIZE = 25  # events per Measurement Protocol request
MEASUREMENT_ID_PATTERN = re.compile(r"^G-[A-Z0-9]{4,20}$")

# CUENTY event type -> GA4 event name; a type missing here is sent under its own name.
# purchase, refund, sign_up and begin_checkout are GA4's recommended event names.
DEFAULT_EVENT_NAMES: dict[str, str] = {
    "page_view": "page_view",
    "signup": "sign_up",
    "order_created": "begin_checkout",
    "payment": "purchase",
    "payment_returned": "refund",
    "refund": "refund",
    "activation": "subscription_activated",
    "renewal": "subscription_renewed",
}


class Ga4Settings(BaseSettings):
    """Each field is the variable `CUENTY_GA4_<FIELD>`."""

    model_config = SettingsConfigDict(
        env_prefix="CUENTY_GA4_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    enabled: bool = Field(default=False, description="Forward events to GA4 at all.")
    measurement_id: str | None = Field(
        default=None, description="Measurement ID of the GA4 web data stream, e.g. G-ABC123DEF4."
    )
    api_secret: SecretStr | None = Field(
        default=None, description="Measurement Protocol API secret of that data stream."
    )
    endpoint: str = Field(
        default=GOOGLE_ENDPOINT,
        description="Base URL of the Measurement Protocol; plain http only on this machine.",
    )
    forward_events: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated event types or names to forward; empty forwards nothing.",
    )
    event_names: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_EVENT_NAMES),
        description='JSON object of CUENTY event type to GA4 event name, e.g. {"payment": '
        '"purchase"}; replaces the built-in mapping.',
    )
    timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="Time limit of one request to GA4, in seconds."
    )
    batch_size: int = Field(
        default=MAX_BATCH_SIZE,
        ge=1,
        le=MAX_BATCH_SIZE,
        description="Events per request; GA4 accepts at most 25.",
    )
    max_events_per_run: int = Field(
        default=5000, ge=1, le=100_000, description="Stored events examined per forwarding run."
    )
    settle_seconds: int = Field(
        default=60,
        ge=0,
        le=3600,
        description="Events stored less than this many seconds ago wait for the next run.",
    )
    use_validation_server: bool = Field(
        default=False,
        description="Send to GA4's validation server (/debug/mp/collect) and log its messages; "
        "nothing reaches the reports.",
    )

    @field_validator("forward_events", mode="before")
    @classmethod
    def _split_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("event_names", mode="before")
    @classmethod
    def _parse_mapping(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = json.loads(value) if value.strip() else {}
        return value

    @field_validator("measurement_id")
    @classmethod
    def _check_measurement_id(cls, value: str | None) -> str | None:
        if value is not None and not MEASUREMENT_ID_PATTERN.match(value):
            raise ValueError("measurement_id must look like G-ABC123DEF4 (a web data stream)")
        return value

    @field_validator("endpoint")
    @classmethod
    def _check_endpoint(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme == "https" and parts.hostname:
            return value.rstrip("/")
        if parts.scheme == "http" and _is_loopback(parts.hostname):
            return value.rstrip("/")
        raise ValueError(
            "endpoint must be an https URL, or http on 127.0.0.1/localhost for tests, because "
            "the API secret travels in its query string"
        )

    @model_validator(mode="before")
    @classmethod
    def _read_secret_files(cls, data: Any) -> Any:
        return read_secret_files(data, "CUENTY_GA4_", ("api_secret",))

    @model_validator(mode="after")
    def _require_credentials(self) -> Ga4Settings:
        if self.enabled and (self.measurement_id is None or self.api_secret is None):
            raise ValueError(
                "CUENTY_GA4_ENABLED=true needs CUENTY_GA4_MEASUREMENT_ID and "
                "CUENTY_GA4_API_SECRET (or CUENTY_GA4_API_SECRET_FILE)"
            )
        return self

    @property
    def active(self) -> bool:
        """Whether any event is forwarded: enabled, with credentials and an allow-list."""
        return self.enabled and bool(self.forward_events)

    def secret(self) -> str:
        assert self.api_secret is not None, "api_secret is checked when enabled"
        return self.api_secret.get_secret_value()

    def ga4_name(self, event_type: str) -> str:
        return self.event_names.get(event_type, event_type)


def ga4_settings(state: Any) -> Ga4Settings:
    """Return the settings set on an app's state or a job's resources, else the environment's."""
    found = state.get("ga4_settings") if isinstance(state, dict) else None
    found = found or getattr(state, "ga4_settings", None)
    return found if isinstance(found, Ga4Settings) else Ga4Settings()


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False
