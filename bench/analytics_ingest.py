"""Analytics event ingestion rate on PostgreSQL through a real uvicorn, for single events and
batches of 500.

The ceiling is measured in the same run. It is a bare FastAPI endpoint that parses the same
JSON and writes it to analytics_events with one INSERT per request (a multi-row INSERT for a
batch), without validation, enrichment, sessions or auth.

CUENTY runs only the analytics service, with the rate limiter off, and receives anonymous
page views with a publishable key, as browsers send them.

Run: .venv/bin/python bench/analytics_ingest.py [--single 2000] [--batches 20] [--concurrency 16]
Needs PostgreSQL on 127.0.0.1:5432 (user postgres); a scratch database is created and dropped,
and both servers listen on free 127.0.0.1 ports and are stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from reconciliation import ADMIN, _migrate  # noqa: E402
from worker_rss import free_port, wait_up  # noqa: E402

KEY = "pk_bench_0123456789abcdef"
ORIGIN = "https://bench.cuenty.test"
USER_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
CEILING_APP = """
import os, uuid, datetime
from fastapi import FastAPI, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine(os.environ["CUENTY_DATABASE_URL"], pool_size=10)
app = FastAPI()
INSERT = text(
    "INSERT INTO analytics_events (event_id, source, event_type, event_name, anonymous_id,"
    " session_id, properties, occurred_at, local_date, state_code)"
    " VALUES (:event_id, 'client', :event_type, :event_name, :anonymous_id, :session_id,"
    " CAST(:properties AS json), now(), current_date, 'unknown')"
)

def row(event):
    return {
        "event_id": uuid.uuid4(),
        "event_type": event["eventType"],
        "event_name": event["eventName"],
        "anonymous_id": event.get("anonymousId"),
        "session_id": event.get("sessionId"),
        "properties": __import__("json").dumps(event.get("properties", {})),
    }

@app.get("/health")
async def health():
    return {"status": "ok"}

@app.post("/v1/analytics/events", status_code=202)
async def one(request: Request):
    event = await request.json()
    async with engine.begin() as connection:
        await connection.execute(INSERT, row(event))
    return {"accepted": 1}

@app.post("/v1/analytics/events/batch", status_code=202)
async def batch(request: Request):
    events = (await request.json())["events"]
    async with engine.begin() as connection:
        await connection.execute(INSERT, [row(event) for event in events])
    return {"accepted": len(events)}
"""


def event(number: int) -> dict[str, object]:
    return {
        "eventId": str(uuid.uuid4()),
        "eventType": "page_view",
        "eventName": "plan_viewed",
        "anonymousId": f"v-{number % 5000}",
        "sessionId": f"s-{number % 1000}",
        "properties": {"plan": "netflix-1-perfil", "duration": 5000 + number % 100},
        "pageUrl": "https://bench.cuenty.test/planes",
    }


async def post_all(base: str, bodies: list[tuple[str, object]], concurrency: int) -> float:
    """Send every (path, body) with `concurrency` requests in flight; return seconds taken."""
    headers = {"X-Ingest-Key": KEY, "Origin": ORIGIN, "User-Agent": USER_AGENT}
    queue = list(reversed(bodies))
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=60
    ) as client:

        async def worker() -> None:
            while queue:
                path, body = queue.pop()
                response = await client.post(path, json=body)
                if response.status_code != 202:
                    raise RuntimeError(f"{path} returned {response.status_code}: {response.text}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started


def measure(command: list[str], env: dict[str, str], args: argparse.Namespace) -> dict[str, float]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_up(base, process)
        warm = [("/v1/analytics/events", event(n)) for n in range(100)]
        asyncio.run(post_all(base, warm, args.concurrency))
        singles = [("/v1/analytics/events", event(n)) for n in range(args.single)]
        single_seconds = asyncio.run(post_all(base, singles, args.concurrency))
        batches = [
            ("/v1/analytics/events/batch", {"events": [event(n) for n in range(500)]})
            for _ in range(args.batches)
        ]
        batch_seconds = asyncio.run(post_all(base, batches, min(args.concurrency, 4)))
        return {
            "single": args.single / single_seconds,
            "batch": args.batches * 500 / batch_seconds,
        }
    finally:
        process.terminate()
        process.wait(timeout=10)


def main(args: argparse.Namespace) -> None:
    name = f"cuenty_bench_events_{uuid.uuid4().hex[:8]}"
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        asyncio.run(_migrate(url))
        with tempfile.TemporaryDirectory() as folder:
            Path(folder, "ceiling_app.py").write_text(CEILING_APP, encoding="utf-8")
            env = {
                **os.environ,
                "CUENTY_DATABASE_URL": url,
                "CUENTY_LOG_LEVEL": "WARNING",
                "CUENTY_RATE_LIMIT_ENABLED": "false",
                "CUENTY_JOBS_EMBEDDED_RUNNER": "false",
                "CUENTY_SERVE_SERVICES": "analytics",
                "CUENTY_ANALYTICS_INGEST_KEYS": json.dumps({KEY: [ORIGIN]}),
                "PYTHONPATH": folder,
            }
            uvicorn = [sys.executable, "-m", "uvicorn", "--no-access-log"]
            ceiling = measure([*uvicorn, "ceiling_app:app"], env, args)
            cuenty = measure([*uvicorn, "--factory", "cuenty.cli.asgi:build"], env, args)
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print("| measurement | events per second | ratio to ceiling |\n| --- | ---: | ---: |")
    for kind, label in (("single", "one event per request"), ("batch", "batches of 500")):
        print(f"| bare INSERT endpoint, {label} (ceiling) | {ceiling[kind]:,.0f} | 1.00 |")
        ratio = cuenty[kind] / ceiling[kind]
        print(f"| CUENTY, {label} | {cuenty[kind]:,.0f} | {ratio:.2f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--single", type=int, default=2000, help="single-event requests")
    parser.add_argument("--batches", type=int, default=20, help="requests of 500 events")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    main(parser.parse_args())
