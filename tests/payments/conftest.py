"""Payments tests: an app whose payment settings name a collection prefix, an STP address
and a bank secret, a small catalog, and a job queue emptied before each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from cuenty.payments.settings import PaymentSettings
from tests.commerce_support import Catalog, seed_catalog
from tests.conftest import TestDatabase
from tests.jobs.support import reset_procrastinate
from tests.payments.support import BANK_SECRET, PREFIX


@pytest.fixture(autouse=True)
async def clean_job_queue(database: TestDatabase) -> AsyncIterator[None]:
    await reset_procrastinate(database.engine)
    yield


@pytest.fixture
def payment_settings() -> PaymentSettings:
    return PaymentSettings(
        clabe_prefix=PREFIX,
        stp_allowed_ips=["127.0.0.1"],
        bank_webhook_secrets={"BBVA": BANK_SECRET},
    )


@pytest.fixture
async def catalog(app: FastAPI, payment_settings: PaymentSettings) -> Catalog:
    app.state.payment_settings = payment_settings
    return await seed_catalog(app)
