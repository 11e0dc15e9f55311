"""Settings of outgoing webhooks, read from `CUENTY_WEBHOOKS_*` environment variables."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebhookSettings(BaseSettings):
    """Webhook delivery settings; each field is the variable `CUENTY_WEBHOOKS_<FIELD>`."""

    model_config = SettingsConfigDict(
        env_prefix="CUENTY_WEBHOOKS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    allow_private_targets: bool = Field(
        default=False,
        description=(
            "Accept URLs that resolve to private, loopback or link-local addresses. "
            "For development only: it lets a customer-supplied URL reach internal services."
        ),
    )
    timeout_seconds: float = Field(
        default=15.0, gt=0, le=60, description="Time limit of one delivery attempt, in seconds."
    )
    disable_after_failures: int = Field(
        default=24,
        ge=1,
        description="Consecutive failed attempts after which an endpoint is disabled.",
    )
    response_body_chars: int = Field(
        default=1024,
        ge=0,
        le=65536,
        description="Characters of the response body kept per attempt.",
    )
    keep_history_days: int = Field(
        default=30, ge=1, description="Days delivered and failed messages are kept."
    )


def webhook_settings(state: Any) -> WebhookSettings:
    """Return the settings set on an app's state or a job's resources, else the environment's."""
    found = getattr(state, "webhook_settings", None)
    if found is None and isinstance(state, dict):
        found = state.get("webhook_settings")
    return found if isinstance(found, WebhookSettings) else WebhookSettings()
