"""Time of the console's staff pages beside the API call each one is built on, and the RSS
of the worker after rendering them.

Run: .venv/bin/python bench/console_pages.py [--requests 100]
Starts `cuenty serve` on a free 127.0.0.1 port over a throwaway SQLite database with the demo
data and signs in as the demo admin through the console's form. Then it requests each page
and its API call one after the other, `--requests` times each, and prints p50 and p95 in ms. A page
makes several API calls in the same process (the dashboard about ten), so the ratio is what
the page costs over its main API call, not the cost of rendering alone.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.worker_rss import free_port, rss_mib, wait_up

# Console page and the API call that returns most of its data.
PAIRS = (
    ("/console/tablero", "/v1/analytics/dashboard"),
    ("/console/pedidos", "/v1/orders"),
    ("/console/inventario", "/v1/inventory/stock"),
    ("/console/privacidad", "/v1/compliance/requests"),
    ("/console/trabajos", "/v1/jobs"),
)
ADMIN = ("admin@cuenty.mx", "Demo-Admin-2025!")


def timed(client: httpx.Client, path: str, requests: int, **options: object) -> list[float]:
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path, **options)  # type: ignore[arg-type]
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path} returned {response.status_code}, expected 200")
    return times


def sign_in(client: httpx.Client) -> str:
    page = client.get("/console/entrar")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    email, password = ADMIN
    done = client.post(
        "/console/entrar",
        data={"email": email, "password": password, "csrf_token": csrf.group(1)},
    )
    if done.status_code != 303:
        raise RuntimeError(f"sign-in returned {done.status_code}, expected 303")
    return str(client.cookies["cuenty_console_access"])


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100)[int(share * 100) - 1]


def main(requests: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "CUENTY_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/console.db",
            "CUENTY_LOG_LEVEL": "WARNING",
            "CUENTY_RATE_LIMIT_ENABLED": "false",
        }
        for step in (["db", "upgrade"], ["demo", "load"]):
            subprocess.run(  # noqa: S603 - fixed arguments
                [sys.executable, "-m", "cuenty.cli.main", *step],
                env=env,
                check=True,
                capture_output=True,
            )
        port = free_port()
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "-m", "cuenty.cli.main", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_up(base, process)
            report(base, requests, process.pid)
        finally:
            process.terminate()
            process.wait(timeout=10)


def report(base: str, requests: int, pid: int) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        token = sign_in(client)
        bearer = {"Authorization": f"Bearer {token}"}
        print("| page | p50 (ms) | p95 (ms) | API call | p50 (ms) | p95 (ms) | ratio of p50 |")
        print("| --- | ---: | ---: | --- | ---: | ---: | ---: |")
        for page, api in PAIRS:
            timed(client, page, 3)
            timed(client, api, 3, headers=bearer)
            page_times = timed(client, page, requests)
            api_times = timed(client, api, requests, headers=bearer)
            page_p50, api_p50 = statistics.median(page_times), statistics.median(api_times)
            print(
                f"| `{page}` | {page_p50:.1f} | {percentile(page_times, 0.95):.1f} | `{api}` | "
                f"{api_p50:.1f} | {percentile(api_times, 0.95):.1f} | {page_p50 / api_p50:.1f} |"
            )
    print(f"\nWorker RSS after the pages: {rss_mib(pid):.0f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100, help="requests per page and call")
    main(parser.parse_args().requests)
