"""Settings of the prediction models, read from `CUENTY_ML_*` environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MlSettings(BaseSettings):
    """Each field is the variable `CUENTY_ML_<FIELD>`."""

    model_config = SettingsConfigDict(
        env_prefix="CUENTY_ML_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # 03:30 in Mexico City, which has kept UTC-6 all year since daylight saving time ended
    # in 2022; schedules are in UTC.
    daily_cron: str = Field(default="30 9 * * *", description="Cron (UTC) of the daily run.")
    grace_days: int = Field(
        default=7,
        ge=0,
        le=90,
        description="Days after a period ends in which a renewal "
        "still counts as renewed; later or never is churn.",
    )
    lead_days: int = Field(
        default=7,
        ge=0,
        le=60,
        description="Training features are taken this many days before each past period end.",
    )
    horizon_days: int = Field(
        default=30,
        ge=1,
        le=180,
        description="Active subscriptions ending within this many days are scored.",
    )
    min_examples: int = Field(
        default=200, ge=20, description="Renewal decisions needed to train the classifier."
    )
    min_per_class: int = Field(
        default=20,
        ge=5,
        description="Churned and renewed decisions needed, each, to train the classifier.",
    )
    bootstrap_models: int = Field(
        default=10,
        ge=0,
        le=100,
        description="Models in the bootstrap ensemble that gives the confidence score.",
    )
    keep_runs: int = Field(
        default=30,
        ge=1,
        description="Runs of each kind kept; older runs and their predictions are deleted.",
    )
