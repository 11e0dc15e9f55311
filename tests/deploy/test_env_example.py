"""deploy/swarm/.env.example lists every setting and matches its generator."""

from __future__ import annotations

import os
import subprocess
import sys

from pydantic_settings import BaseSettings

from cuenty.analytics.ga4.settings import Ga4Settings
from cuenty.analytics.ml.settings import MlSettings
from cuenty.analytics.rollups.settings import RollupSettings
from cuenty.analytics.settings import AnalyticsSettings
from cuenty.config import Settings
from cuenty.console.settings import ConsoleSettings
from cuenty.kit.jobs.settings import JobSettings
from cuenty.orders.settings import OrderSettings
from cuenty.payments.banks.settings import BankSettings
from cuenty.payments.settings import PaymentSettings
from cuenty.subscriptions.settings import SubscriptionSettings
from cuenty.webhooks.settings import WebhookSettings
from tests.deploy.support import DEPLOY, ROOT

ENV_EXAMPLE = DEPLOY / "swarm" / ".env.example"
SETTINGS_CLASSES: tuple[type[BaseSettings], ...] = (
    Settings,
    OrderSettings,
    SubscriptionSettings,
    PaymentSettings,
    BankSettings,
    JobSettings,
    WebhookSettings,
    AnalyticsSettings,
    RollupSettings,
    MlSettings,
    Ga4Settings,
    ConsoleSettings,
)


def test_every_setting_listed() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    for settings_class in SETTINGS_CLASSES:
        prefix = settings_class.model_config["env_prefix"]
        for field in settings_class.model_fields:
            variable = f"{prefix}{field}".upper()
            assert f"{variable}=" in text or f"{variable}_FILE=" in text, variable


def test_no_secret_value_written() -> None:
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or "=" not in line:
            continue
        name = line.split("=", 1)[0]
        assert not name.endswith(("_KEY", "_SECRET", "_PASSWORD", "_TOKEN")), line


def test_env_example_matches_generator() -> None:
    # Without CUENTY_* variables, so no local setting changes a default.
    environment = {name: value for name, value in os.environ.items() if "CUENTY" not in name}
    result = subprocess.run(
        [sys.executable, "deploy/swarm/make_env_example.py"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout == ENV_EXAMPLE.read_text(encoding="utf-8"), (
        "run deploy/swarm/make_env_example.py > deploy/swarm/.env.example"
    )
