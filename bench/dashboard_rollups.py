"""Dashboard latency and rollup refresh time at 1 and 10 million analytics events, on
PostgreSQL, beside a bare FastAPI endpoint served the same way in the same run.

Run: .venv/bin/python bench/dashboard_rollups.py [--sizes 1000000,10000000] [--requests 200]
Events are loaded with COPY into a dedicated database (cuenty_bench_dashboard, dropped at
the end) spread over 180 days, 32 states plus `unknown` and 6 services. Each size is then
refreshed in full and incrementally (after 1,000 events of the last day arrive), and the
dashboard is timed through a real uvicorn on 127.0.0.1: its first request of the range
(computed and cached) and p50/p95 over --requests requests, beside the raw-SQL equivalent
of its totals.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
NAME = "cuenty_bench_dashboard"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{NAME}"
BENCH = f"postgresql://postgres@127.0.0.1:5432/{NAME}"
DAYS = 180
END = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
STATES = [
    f"MX-{code}"
    for code in (
        "AGU BCN BCS CAM CHP CHH CMX COA COL DUR GUA GRO HID JAL MEX MIC MOR NAY NLE OAX PUE QUE "
        "ROO SLP SIN SON TAB TAM TLA VER YUC ZAC"
    ).split()
] + ["unknown"]
SERVICES = [uuid.UUID(int=700 + index) for index in range(6)]
# Share of each event type: mostly client page views and clicks, then platform events.
MIX = [
    ("page_view", 0.62),
    ("click", 0.23),
    ("signup", 0.03),
    ("order_created", 0.03),
    ("payment", 0.05),
    ("activation", 0.035),
    ("payment_returned", 0.005),
]
COLUMNS = (
    "event_id, source, event_type, event_name, user_id, anonymous_id, properties, "
    "occurred_at, received_at, local_date, state_code, amount, service_id"
)
BARE_APP = """
import uvicorn
from fastapi import FastAPI
app = FastAPI()
@app.get("/bare")
async def bare() -> dict:
    return {"ok": True}
uvicorn.run(app, host="127.0.0.1", port=int(__import__("sys").argv[1]), log_level="warning")
"""
DASHBOARD_PARAMS = {"startDate": "2026-11-01", "endDate": "2026-11-30"}
RAW_TOTALS = """
SELECT count(DISTINCT coalesce(e.user_id, l.user_id)),
       sum(CASE WHEN e.event_type = 'payment' THEN 1 ELSE 0 END),
       sum(CASE WHEN e.event_type IN ('payment', 'payment_returned', 'refund')
           THEN e.amount END)
FROM analytics_events e LEFT JOIN analytics_identity_links l
  ON e.user_id IS NULL AND l.anonymous_id = e.anonymous_id
WHERE e.local_date BETWEEN '2026-11-01' AND '2026-11-30'
"""


def generate(count: int, offset: int, rng: random.Random, recent: bool = False) -> bytes:
    """Rows for COPY (text format): `count` events of about count/20 people.

    `recent` events happened in the last day and arrive now, as live traffic does.
    """
    people = max(count // 20, 100)
    arrival = datetime.now(UTC)
    types = [name for name, _ in MIX]
    weights = [share for _, share in MIX]
    out = io.StringIO()
    for index, event_type in enumerate(rng.choices(types, weights, k=count)):
        person = rng.randrange(people)
        span = 86400 if recent else DAYS * 86400
        moment = END - timedelta(seconds=rng.randrange(span))
        received = arrival if recent else moment
        local = (moment - timedelta(hours=6)).date()
        platform = event_type not in ("page_view", "click")
        user = uuid.UUID(int=10**9 + person) if platform or person % 3 else None
        anonymous = "\\N" if user else f"anon-{person}"
        amount = "\\N"
        if event_type == "payment":
            amount = rng.choice(["45.00", "99.00", "190.00", "40.00"])
        elif event_type == "payment_returned":
            amount = "-45.00"
        service = str(SERVICES[person % 6]) if platform and event_type != "signup" else "\\N"
        out.write(
            f"{uuid.UUID(int=offset + index)}\t{'platform' if platform else 'client'}\t"
            f"{event_type}\t{event_type}\t{user or chr(92) + 'N'}\t{anonymous}\t{{}}\t"
            f"{moment.isoformat()}\t{received.isoformat()}\t{local.isoformat()}\t"
            f"{STATES[person % len(STATES)]}\t{amount}\t{service}\n"
        )
    return out.getvalue().encode()


def load(count: int, already: int, recent: bool = False) -> float:
    rng = random.Random(already)  # noqa: S311 - repeatable benchmark data
    started = time.perf_counter()
    with psycopg.connect(BENCH) as connection:
        with connection.cursor() as cursor:
            batch = 500_000
            for start in range(0, count, batch):
                rows = generate(min(batch, count - start), already + start, rng, recent)
                with cursor.copy(f"COPY analytics_events ({COLUMNS}) FROM STDIN") as copy:
                    copy.write(rows)
            cursor.execute("ANALYZE analytics_events")
    return time.perf_counter() - started


def recreate_database() -> None:
    with psycopg.connect(ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{NAME}"')


def drop_database() -> None:
    with psycopg.connect(ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')


async def migrate_database() -> None:
    from cuenty.kit import migrate
    from cuenty.kit.db import create_engine

    engine = create_engine(URL)
    await migrate.upgrade(engine)
    await engine.dispose()


async def refresh(full: bool) -> float:
    from cuenty.analytics.rollups.refresh import refresh_rollups
    from cuenty.kit.db import create_engine, create_session_factory

    engine = create_engine(URL)
    started = time.perf_counter()
    await refresh_rollups(
        create_session_factory(engine), now=datetime.now(UTC), window_days=14, full=full
    )
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed


def raw_query_seconds(repeats: int = 5) -> float:
    with psycopg.connect(BENCH) as connection:
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            connection.execute(RAW_TOTALS).fetchall()
            timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def start(command: list[str], environment: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and CLI
        command, cwd=ROOT, env={**os.environ, **environment}
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


async def wait_ready(base: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        for _ in range(150):
            try:
                if (await client.get("/health")).status_code in (200, 404):
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{base} did not start within 30 seconds")


async def timings(base: str, path: str, requests: int, **options: object) -> list[float]:
    results = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for _ in range(5):
            await client.get(path, **options)  # type: ignore[arg-type]
        for _ in range(requests):
            started = time.perf_counter()
            response = await client.get(path, **options)  # type: ignore[arg-type]
            results.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
    return results


async def operations_token(base: str) -> dict[str, str]:
    email = "bench@example.com"
    password = "Girasol-Azul-2026"
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await client.post(
            "/v1/auth/register", json={"name": "Bench", "email": email, "password": password}
        )
        with psycopg.connect(BENCH) as connection:
            connection.execute("UPDATE users SET role = 'operations' WHERE email = %s", (email,))
        response = await client.post("/v1/auth/login", json={"email": email, "password": password})
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['accessToken']}"}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure_http(requests: int) -> dict[str, float]:
    api = start(
        [sys.executable, "-m", "cuenty.cli.main", "serve", "--port", "8791"],
        {
            "CUENTY_DATABASE_URL": URL,
            "CUENTY_RATE_LIMIT_ENABLED": "false",
            "CUENTY_LOG_LEVEL": "WARNING",
            "CUENTY_SERVICE_HEARTBEAT_SECONDS": "0",
        },
    )
    bare = start([sys.executable, "-c", BARE_APP, "8792"], {})
    try:
        await wait_ready("http://127.0.0.1:8791")
        await wait_ready("http://127.0.0.1:8792")
        headers = await operations_token("http://127.0.0.1:8791")
        async with httpx.AsyncClient(base_url="http://127.0.0.1:8791", timeout=60) as client:
            started = time.perf_counter()
            first = await client.get(
                "/v1/analytics/dashboard", params=DASHBOARD_PARAMS, headers=headers
            )
            first_ms = (time.perf_counter() - started) * 1000
            first.raise_for_status()
        dashboard = await timings(
            "http://127.0.0.1:8791",
            "/v1/analytics/dashboard",
            requests,
            params=DASHBOARD_PARAMS,
            headers=headers,
        )
        ceiling = await timings("http://127.0.0.1:8792", "/bare", requests)
    finally:
        stop(api)
        stop(bare)
    return {
        "dashboard_first": first_ms,
        "dashboard_p50": statistics.median(dashboard),
        "dashboard_p95": percentile(dashboard, 0.95),
        "bare_p50": statistics.median(ceiling),
        "bare_p95": percentile(ceiling, 0.95),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--requests", type=int, default=200)
    arguments = parser.parse_args()
    sizes = [int(value) for value in arguments.sizes.split(",")]
    recreate_database()
    try:
        await migrate_database()
        loaded = 0
        for size in sizes:
            load_seconds = load(size - loaded, loaded)
            loaded = size
            full = await refresh(full=True)
            load(1000, 10**12 + size, recent=True)
            incremental = await refresh(full=False)
            raw = raw_query_seconds()
            http = await measure_http(arguments.requests)
            print(
                f"events={size:,} load={load_seconds:.1f}s full_refresh={full:.2f}s "
                f"incremental_refresh={incremental:.2f}s raw_totals_sql={raw * 1000:.0f}ms "
                f"dashboard first={http['dashboard_first']:.0f}ms "
                f"p50={http['dashboard_p50']:.1f}ms p95={http['dashboard_p95']:.1f}ms "
                f"bare p50={http['bare_p50']:.2f}ms p95={http['bare_p95']:.2f}ms "
                f"ratio_p50={http['dashboard_p50'] / http['bare_p50']:.1f}",
                flush=True,
            )
    finally:
        drop_database()


if __name__ == "__main__":
    asyncio.run(main())
