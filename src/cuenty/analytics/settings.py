"""Settings of analytics ingestion, read from `CUENTY_ANALYTICS_*` environment variables and
`.env`.

Publishable ingest keys let browsers record anonymous events. They are not secrets: a web page
shows them to every visitor. What limits them is the list of origins each key accepts, the
events-only routes, the rule that they never name a user, and their own rate limit.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_INGEST_KEY_LENGTH = 16


class AnalyticsSettings(BaseSettings):
    """Each field is the variable `CUENTY_ANALYTICS_<FIELD>`."""

    model_config = SettingsConfigDict(
        env_prefix="CUENTY_ANALYTICS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    ingest_keys: Annotated[dict[str, list[str]], NoDecode] = Field(
        default_factory=dict,
        description="JSON object of publishable key to its allowed origins, for example "
        '{"pk_web_4f9c2a7d1e8b": ["https://cuenty.mx", "https://www.cuenty.mx"]}.',
    )
    ingest_rate_limit: str = Field(
        default="120/minute",
        description="Requests per client address and publishable key on the events routes.",
    )
    late_event_hours: int = Field(
        default=72, ge=1, le=24 * 30, description="Oldest client timestamp accepted, in hours."
    )
    future_tolerance_seconds: int = Field(
        default=300,
        ge=0,
        le=3600,
        description="How far ahead of the server clock a client timestamp may be, in seconds.",
    )
    personal_data_event_types: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated event types whose properties may carry personal data "
        "(emails, phones, CURP, RFC, CLABE); none by default.",
    )

    @field_validator("ingest_keys", mode="before")
    @classmethod
    def _parse_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = json.loads(value) if value.strip() else {}
        keys: dict[str, list[str]] = {}
        for key, origins in dict(value).items():
            if len(str(key)) < MIN_INGEST_KEY_LENGTH:
                raise ValueError(
                    f"ingest key {str(key)[:4]}... is shorter than {MIN_INGEST_KEY_LENGTH} "
                    "characters"
                )
            keys[str(key)] = [_normalize_origin(origin) for origin in origins]
        return keys

    @field_validator("personal_data_event_types", mode="before")
    @classmethod
    def _split_types(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def origins_for(self, key: str) -> list[str] | None:
        """Return the origins a publishable key accepts, or None for an unknown key."""
        return self.ingest_keys.get(key)

    def allows_any_origin(self, origin: str) -> bool:
        """Tell whether some ingest key accepts `origin`, for CORS preflight requests."""
        return any(origin in origins for origins in self.ingest_keys.values())


def analytics_settings(state: Any) -> AnalyticsSettings:
    """Return the settings set on an app's state or a job's resources, else the environment's."""
    found = state.get("analytics_settings") if isinstance(state, dict) else None
    found = found or getattr(state, "analytics_settings", None)
    if isinstance(found, AnalyticsSettings):
        return found
    settings = AnalyticsSettings()
    if not isinstance(state, dict) and state is not None:
        # Read the environment once per app, not on every request.
        state.analytics_settings = settings
    return settings


def _normalize_origin(origin: str) -> str:
    """Reduce an origin to scheme://host[:port] as browsers send it in `Origin`."""
    parts = urlsplit(str(origin).strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ValueError(f"allowed origin {origin!r} must be scheme://host[:port], no path")
    return f"{parts.scheme}://{parts.netloc.lower()}"
