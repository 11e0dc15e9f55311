"""Settings of subscriptions, read from `CUENTY_SUBSCRIPTIONS_*` environment variables."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REMINDER_DAYS = (7, 3, 1, 0)


class SubscriptionSettings(BaseSettings):
    """Each field is the variable `CUENTY_SUBSCRIPTIONS_<FIELD>`."""

    model_config = SettingsConfigDict(
        env_prefix="CUENTY_SUBSCRIPTIONS_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    expiring_days: int = Field(
        default=7, ge=1, le=30, description="Days left at which a subscription is expiring."
    )
    renewal_days_before: int = Field(
        default=5,
        ge=1,
        le=30,
        description="Days before the end at which an auto-renew subscription gets its renewal "
        "order.",
    )


def subscription_settings(state: Any) -> SubscriptionSettings:
    """The settings set on an app's state or a job's resources, else the environment's."""
    found = state.get("subscription_settings") if isinstance(state, dict) else None
    found = found or getattr(state, "subscription_settings", None)
    return found if isinstance(found, SubscriptionSettings) else SubscriptionSettings()
