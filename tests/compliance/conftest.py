"""Apps for the compliance tests, with sign-in limits high enough not to interfere."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.app import create_app
from tests.conftest import TestDatabase, client_for, make_settings


@pytest.fixture
async def app(database: TestDatabase, engine: AsyncEngine) -> AsyncIterator[FastAPI]:
    settings = make_settings(
        database_url=database.url,
        rate_limit_auth="1000/minute",
        rate_limit_per_user="1000/minute",
        rate_limit_per_ip="1000/minute",
    )
    application = create_app(settings, engine=engine)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http_client:
        yield http_client
