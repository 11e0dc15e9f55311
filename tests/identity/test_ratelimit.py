"""Rate limits: exact across two app instances sharing Redis, per API key, per sign-in route."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from cuenty.app import create_app
from cuenty.kit.ratelimit import RateLimiter, parse_limit
from tests.conftest import client_for, make_settings

# Any path counts against the limit; an unknown one needs no database tables.
PROBE = "/v1/no-such-route"


@pytest.fixture
async def two_apps(
    tmp_path: Path, redis_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two independent app instances that share only Redis, each with its own limiter."""
    apps: list[FastAPI] = []
    for name in ("a", "b"):
        settings = make_settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path}/{name}.db",
            redis_url=redis_url,
            rate_limit_per_ip="100/minute",
        )
        apps.append(create_app(settings))
    async with apps[0].router.lifespan_context(apps[0]), apps[1].router.lifespan_context(apps[1]):
        # One key prefix for both instances, new for each test, keeps the shared counters
        # apart from other runs.
        prefix = f"test-{uuid.uuid4().hex}"
        for application in apps:
            application.state.rate_limiter = RateLimiter(redis_url, key_prefix=prefix)
        async with client_for(apps[0]) as first, client_for(apps[1]) as second:
            yield first, second


async def test_limit_is_exact_across_two_instances(
    two_apps: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    first, second = two_apps
    statuses = []
    for index in range(100):
        client = first if index % 2 == 0 else second
        statuses.append((await client.get(PROBE)).status_code)
    rejected = await second.get(PROBE)
    assert statuses.count(404) == 100
    assert rejected.status_code == 429
    assert rejected.headers["content-type"] == "application/problem+json"
    assert rejected.headers["x-ratelimit-limit"] == "100"
    assert rejected.headers["x-ratelimit-remaining"] == "0"
    assert int(rejected.headers["retry-after"]) >= 1
    assert int(rejected.headers["x-ratelimit-reset"]) > 1_700_000_000


async def test_headers_count_down(two_apps: tuple[httpx.AsyncClient, httpx.AsyncClient]) -> None:
    first, second = two_apps
    one = await first.get(PROBE)
    two = await second.get(PROBE)
    assert one.headers["x-ratelimit-remaining"] == "99"
    assert two.headers["x-ratelimit-remaining"] == "98"


async def test_api_key_has_its_own_bucket(redis_url: str) -> None:
    limiter = RateLimiter(redis_url, key_prefix=f"test-{uuid.uuid4().hex}")
    limit = parse_limit("3/minute")
    by_key = [await limiter.hit(limit, "key:aaaa") for _ in range(4)]
    other_key = await limiter.hit(limit, "key:bbbb")
    assert [decision.allowed for decision in by_key] == [True, True, True, False]
    assert other_key.allowed


async def test_health_is_not_limited(tmp_path: Path) -> None:
    settings = make_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/h.db", rate_limit_per_ip="2/minute"
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_for(app) as client:
        statuses = [(await client.get("/health")).status_code for _ in range(5)]
    assert statuses == [200] * 5


async def test_login_has_stricter_limit(tmp_path: Path) -> None:
    from cuenty.kit import migrate
    from cuenty.kit.db import create_engine

    url = f"sqlite+aiosqlite:///{tmp_path}/l.db"
    engine = create_engine(url)
    await migrate.upgrade(engine)
    settings = make_settings(database_url=url, rate_limit_auth="3/15 minutes")
    app = create_app(settings, engine=engine)
    body = {"email": "nadie@example.com", "password": "Cualquiera-123"}
    async with app.router.lifespan_context(app), client_for(app) as client:
        statuses = [(await client.post("/v1/auth/login", json=body)).status_code for _ in range(4)]
    await engine.dispose()
    assert statuses == [401, 401, 401, 429]


async def test_forwarded_for_is_ignored_from_untrusted_peer(tmp_path: Path) -> None:
    settings = make_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/f.db",
        rate_limit_per_ip="2/minute",
        trusted_proxies=["10.9.9.9"],
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_for(app) as client:
        statuses = [
            (await client.get(PROBE, headers={"X-Forwarded-For": f"203.0.113.{n}"})).status_code
            for n in range(3)
        ]
    assert statuses == [404, 404, 429]
