"""Cost per request of token verification and of the rate limiter, beside a bare FastAPI
endpoint measured in the same run.

Run: .venv/bin/python bench/auth_overhead.py [--requests 3000] [--redis redis://127.0.0.1:6379/15]
Everything runs in one process through httpx's ASGI transport, so the figures are the
framework and CUENTY's own work, without sockets.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from fastapi import FastAPI

from cuenty.app import create_app
from cuenty.config import Settings
from cuenty.identity.tokens import decode_access_token
from cuenty.kit import migrate
from cuenty.kit.db import create_engine
from cuenty.kit.ratelimit import RateLimiter, parse_limit

PASSWORD = "Girasol-Azul-2026"


async def time_per_call(action: Callable[[], Awaitable[object]], count: int) -> float:
    """Return the median of five rounds of `count` calls, in microseconds per call."""
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(count):
            await action()
        rounds.append((time.perf_counter() - started) / count * 1e6)
    return statistics.median(rounds)


def bare_app() -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    return app


async def cuenty_app(
    folder: Path, *, redis_url: str | None, limits_on: bool
) -> tuple[FastAPI, AsyncExit]:
    url = f"sqlite+aiosqlite:///{folder}/bench-{redis_url is not None}-{limits_on}.db"
    engine = create_engine(url)
    await migrate.upgrade(engine)
    settings = Settings(
        _env_file=None,
        database_url=url,
        redis_url=redis_url,
        log_level="WARNING",  # type: ignore[call-arg]
        rate_limit_enabled=limits_on,
        rate_limit_per_ip="1000000/minute",
        rate_limit_per_user="1000000/minute",
        rate_limit_auth="1000000/minute",
    )
    app = create_app(settings, engine=engine)
    context = app.router.lifespan_context(app)
    await context.__aenter__()
    return app, AsyncExit(context, engine)


class AsyncExit:
    def __init__(self, context: object, engine: object) -> None:
        self.context = context
        self.engine = engine

    async def close(self) -> None:
        await self.context.__aexit__(None, None, None)  # type: ignore[attr-defined]
        await self.engine.dispose()  # type: ignore[attr-defined]


async def token_for(client: httpx.AsyncClient) -> str:
    body = {"name": "Bench", "email": "bench@example.com", "password": PASSWORD}
    response = await client.post("/v1/auth/register", json=body)
    return str(response.json()["tokens"]["accessToken"])


async def main(requests: int, redis_url: str | None) -> None:
    results: dict[str, float] = {}
    bare = httpx.AsyncClient(transport=httpx.ASGITransport(app=bare_app()), base_url="http://b")
    results["bare FastAPI GET /ping (ceiling)"] = await time_per_call(
        lambda: bare.get("/ping"), requests
    )

    with tempfile.TemporaryDirectory() as folder:
        for label, redis, limits_on in (
            ("CUENTY GET /health, limiter off", None, False),
            ("CUENTY GET /v1/x (404), limiter in memory", None, True),
            ("CUENTY GET /v1/x (404), limiter in Redis", redis_url, True),
        ):
            if limits_on and label.endswith("Redis") and redis is None:
                continue
            app, exit_ = await cuenty_app(Path(folder), redis_url=redis, limits_on=limits_on)
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://c")
            path = "/health" if not limits_on else "/v1/x"
            results[label] = await time_per_call(lambda c=client, p=path: c.get(p), requests)
            token = await token_for(client)
            headers = {"Authorization": f"Bearer {token}"}
            if limits_on:
                with_token = label.replace("(404)", "(404) with a bearer token")
                results[with_token] = await time_per_call(
                    lambda c=client, h=headers: c.get("/v1/x", headers=h), requests
                )
            keys = await app.state.authenticator.keys.keys_for(None)
            results[f"token signature check only ({label.split(', ')[-1]})"] = await time_per_call(
                lambda k=keys, s=app.state.settings, t=token: _async(decode_access_token(t, k, s)),
                requests,
            )
            results[
                f"full token check incl. revocation ({'Redis' if redis else 'database'})"
            ] = await time_per_call(
                lambda a=app, t=token: a.state.authenticator.verify_token(t), requests
            )
            await client.aclose()
            await exit_.close()

    if redis_url:
        limiter = RateLimiter(redis_url, key_prefix="bench")
        limit = parse_limit("1000000/minute")
        results["limiter.hit alone (Redis)"] = await time_per_call(
            lambda: limiter.hit(limit, "ip:bench"), requests
        )
        await limiter.reset()
    memory = RateLimiter(None)
    limit = parse_limit("1000000/minute")
    results["limiter.hit alone (memory)"] = await time_per_call(
        lambda: memory.hit(limit, "ip:bench"), requests
    )

    ceiling = results["bare FastAPI GET /ping (ceiling)"]
    print("| measurement | µs per request | ratio to bare FastAPI |\n| --- | ---: | ---: |")
    for label, micros in results.items():
        print(f"| {label} | {micros:,.0f} | {micros / ceiling:.2f} |")


async def _async(value: object) -> object:
    return value


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000, help="calls per round (5 rounds)")
    parser.add_argument("--redis", default=None, help="Redis URL for the shared-storage figures")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.requests, arguments.redis))
