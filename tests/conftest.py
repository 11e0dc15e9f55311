"""Fixtures shared by the whole suite: databases (SQLite and PostgreSQL), Redis and the app.

Every test that takes `engine`, `app` or `client` runs once on SQLite and once on PostgreSQL.
PostgreSQL is used when CUENTY_TEST_DATABASE_URL is set or 127.0.0.1:5432 accepts connections; with
CUENTY_REQUIRE_SERVICES=1 a missing PostgreSQL or Redis fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
import redis
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.app import create_app
from cuenty.config import Settings
from cuenty.kit import migrate
from cuenty.kit.db import create_engine
from cuenty.models import Base

# Test apps run no in-process job runner that could race a test's assertions; a test that
# wants one builds its settings with embedded_runner=True.
os.environ.setdefault("CUENTY_JOBS_EMBEDDED_RUNNER", "false")

REQUIRE_SERVICES = os.environ.get("CUENTY_REQUIRE_SERVICES") == "1"
POSTGRES_URL = os.environ.get(
    "CUENTY_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("CUENTY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@dataclass
class TestDatabase:
    """A migrated database for this test session."""

    __test__ = False

    dialect: str
    url: str
    engine: AsyncEngine


def service_missing(reason: str) -> None:
    """Fail under CUENTY_REQUIRE_SERVICES=1, otherwise skip with the reason."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (CUENTY_REQUIRE_SERVICES=1 forbids skipping)")
    pytest.skip(reason)


def _admin_conninfo(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _postgres_error(url: str) -> str | None:
    try:
        with psycopg.connect(_admin_conninfo(url), connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[TestDatabase]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "cuenty-test.db"
        url = f"sqlite+aiosqlite:///{path}"
        engine = create_engine(url)
        await migrate.upgrade(engine)
        yield TestDatabase("sqlite", url, engine)
        await engine.dispose()
        return

    error = _postgres_error(POSTGRES_URL)
    if error is not None:
        service_missing(f"PostgreSQL at {make_url(POSTGRES_URL).host} is not answering: {error}")
    name = f"cuenty_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_conninfo(POSTGRES_URL)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url, pool_size=5)
    try:
        await migrate.upgrade(engine)
        yield TestDatabase("postgresql", url, engine)
    finally:
        await engine.dispose()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def engine(database: TestDatabase) -> AsyncIterator[AsyncEngine]:
    """The session's migrated engine; every table is emptied after the test."""
    yield database.engine
    await _empty_tables(database)


async def _empty_tables(database: TestDatabase) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in tables)
            await connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                await connection.execute(text(f'DELETE FROM "{name}"'))


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": "sqlite+aiosqlite:///:memory:",
        "redis_url": None,
        "log_level": "WARNING",
        # No background heartbeat writes that could hold a SQLite lock while a test runs.
        "service_heartbeat_seconds": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def app(database: TestDatabase, engine: AsyncEngine) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(database_url=database.url), engine=engine)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http_client:
        yield http_client


def client_for(application: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://cuenty.test")


@pytest.fixture
async def plain_app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    """App on an empty SQLite file, for tests of HTTP behaviour that reads no table."""
    application = create_app(make_settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db"))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def plain_client(plain_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(plain_app) as http_client:
        yield http_client


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        service_missing(f"Redis at {REDIS_URL} is not answering: {error}")
    return REDIS_URL


@pytest.fixture
def shared_data() -> Path:
    """Folder of third-party sample files beside the project; tests skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"sample data folder {SHARED_DATA} is absent")
    return SHARED_DATA
