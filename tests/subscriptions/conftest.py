"""Order tests run jobs on PostgreSQL through procrastinate, whose tables the `engine`
fixture does not empty: start each test with none left from the one before."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import TestDatabase
from tests.jobs.support import reset_procrastinate


@pytest.fixture(autouse=True)
async def clean_job_queue(database: TestDatabase) -> AsyncIterator[None]:
    await reset_procrastinate(database.engine)
    yield
