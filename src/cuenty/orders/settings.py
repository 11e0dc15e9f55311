"""Settings of orders, read from `CUENTY_ORDERS_*` environment variables and `.env`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class OrderSettings(BaseSettings):
    """Each field is the variable `CUENTY_ORDERS_<FIELD>`."""

    model_config = SettingsConfigDict(
        env_prefix="CUENTY_ORDERS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    payment_window_hours: int = Field(
        default=48,
        ge=1,
        le=24 * 30,
        description="Hours an order waits for its payment before it expires.",
    )


def order_settings(state: Any) -> OrderSettings:
    """The settings set on an app's state or a job's resources, else the environment's."""
    found = state.get("order_settings") if isinstance(state, dict) else None
    found = found or getattr(state, "order_settings", None)
    return found if isinstance(found, OrderSettings) else OrderSettings()


def payment_window(state: Any) -> timedelta:
    return timedelta(hours=order_settings(state).payment_window_hours)
