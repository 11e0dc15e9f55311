"""Settings of the rollups, read from `CUENTY_ROLLUPS_*` environment variables and `.env`."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RollupSettings(BaseSettings):
    """Each field is the variable `CUENTY_ROLLUPS_<FIELD>`."""

    model_config = SettingsConfigDict(
        env_prefix="CUENTY_ROLLUPS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    funnel_window_days: int = Field(
        default=14, ge=1, le=90, description="Days after a first visit in which steps count."
    )
    refresh_interval_seconds: int = Field(
        default=300, ge=60, le=3600, description="Seconds between two refreshes (the cron)."
    )
    fresh_grace_seconds: int = Field(
        default=120,
        ge=0,
        le=3600,
        description="Extra seconds past the interval before the dashboard says fresh=false.",
    )
    max_range_days: int = Field(
        default=366, ge=1, le=3660, description="Longest startDate..endDate range accepted."
    )
    default_range_days: int = Field(
        default=30, ge=1, le=366, description="Days shown when no range is given."
    )


def rollup_settings(state: Any) -> RollupSettings:
    """Return the settings set on an app's state or a job's resources, else the environment's."""
    found = state.get("rollup_settings") if isinstance(state, dict) else None
    found = found or getattr(state, "rollup_settings", None)
    return found if isinstance(found, RollupSettings) else RollupSettings()
