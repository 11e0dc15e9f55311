"""Settings of the job system, read from `CUENTY_JOBS_*` environment variables and `.env`.

They live apart from `cuenty.config.Settings` so the job runtime can be configured alone.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class JobSettings(BaseSettings):
    """Job runtime settings; each field is the variable `CUENTY_JOBS_<FIELD>`."""

    model_config = SettingsConfigDict(
        env_prefix="CUENTY_JOBS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    embedded_runner: bool = Field(
        default=True,
        description="Run jobs inside the API process when the database is SQLite.",
    )
    concurrency: int = Field(default=4, ge=1, le=100, description="Jobs run at once per worker.")
    poll_seconds: float = Field(
        default=1.0, gt=0, le=60, description="Seconds between checks for due jobs and events."
    )
    job_timeout_seconds: float = Field(
        default=300.0, gt=0, description="A run longer than this is cancelled and counts as failed."
    )
    heartbeat_seconds: float = Field(
        default=10.0, gt=0, description="Seconds between a PostgreSQL worker's heartbeats."
    )
    stalled_after_seconds: float = Field(
        default=30.0,
        gt=0,
        description="A worker silent for this long is presumed dead and its jobs are retried.",
    )
    periodic_max_delay_seconds: float = Field(
        default=600.0,
        ge=0,
        description="A periodic run missed by more than this (a stopped worker) is skipped.",
    )
    keep_finished_days: int = Field(
        default=7, ge=1, description="Days a succeeded or cancelled job is kept before purging."
    )
    metrics_refresh_seconds: float = Field(
        default=15.0, gt=0, description="Seconds between reads of queue depth for the metrics."
    )
    task_modules: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated extra modules that register handlers (plug-ins, tests).",
    )

    @field_validator("task_modules", mode="before")
    @classmethod
    def _split_modules(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value
