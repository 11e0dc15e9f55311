"""Run ab and wrk against the gateway and read their figures, and per-step latencies from the
gateway's JSON access log."""

from __future__ import annotations

import csv
import json
import math
import os
import re
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

LOAD_FOLDER = Path(__file__).resolve().parent
# Bounds every ab and wrk run, well above the durations the scenarios ask for.
TOOL_TIMEOUT_SECONDS = 900


@dataclass
class Figures:
    """Client-side figures of one run; latencies in milliseconds."""

    requests: int
    seconds: float
    failed: int
    p50: float
    p95: float
    p99: float
    steps: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_rate(self) -> float:
        return self.failed / self.requests if self.requests else 0.0


def run_ab(url: str, *, requests: int, concurrency: int, token: str | None) -> Figures:
    """Run `ab -n REQUESTS -c CONCURRENCY [-H "Authorization: Bearer ..."] URL`, as the
    product description does (no keep-alive: a new connection per request)."""
    with tempfile.TemporaryDirectory() as folder:
        percentiles = Path(folder) / "percentiles.csv"
        command = ["ab", "-q", "-n", str(requests), "-c", str(concurrency), "-e", str(percentiles)]
        if token:
            command += ["-H", f"Authorization: Bearer {token}"]
        result = subprocess.run(
            [*command, url], capture_output=True, text=True, timeout=TOOL_TIMEOUT_SECONDS
        )
        if result.returncode != 0:
            raise RuntimeError(f"ab failed ({result.returncode}): {result.stderr[-2000:]}")
        served = _ab_percentiles(percentiles)
    output = result.stdout
    completed = _ab_number(output, "Complete requests")
    failed = _ab_number(output, "Failed requests") + _ab_number(output, "Non-2xx responses")
    return Figures(
        requests=int(completed),
        seconds=_ab_number(output, "Time taken for tests"),
        failed=int(failed),
        p50=served[50],
        p95=served[95],
        p99=served[99],
    )


def _ab_number(output: str, label: str) -> float:
    match = re.search(rf"^{re.escape(label)}:\s+([\d.]+)", output, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def _ab_percentiles(path: Path) -> dict[int, float]:
    with path.open() as handle:
        rows = list(csv.reader(handle))[1:]
    return {int(float(percent)): float(millis) for percent, millis in rows}


def run_wrk(
    url: str,
    *,
    script: str,
    connections: int,
    seconds: int,
    environment: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Figures:
    """Run wrk with one thread per connection and a script of this folder that prints its
    summary as report.lua does."""
    header_options = [
        part for name, value in (headers or {}).items() for part in ("-H", f"{name}: {value}")
    ]
    command = [
        "wrk",
        "-t",
        str(connections),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LOAD_FOLDER / script),
        *header_options,
        url,
    ]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT_SECONDS,
        env={**os.environ, **(environment or {})},
    )
    line = next((line for line in result.stdout.splitlines() if line.startswith("LOADJSON ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(
            f"wrk failed ({result.returncode}): {result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
    report = json.loads(line.removeprefix("LOADJSON "))
    errors = report["errors"]
    failed = sum(int(errors[kind]) for kind in ("connect", "read", "write", "status", "timeout"))
    latency = report["latency_us"]
    return Figures(
        requests=int(report["requests"]),
        seconds=report["duration_us"] / 1e6,
        failed=failed,
        p50=latency["p50"] / 1000,
        p95=latency["p95"] / 1000,
        p99=latency["p99"] / 1000,
        steps={
            name: {"sent": int(count["sent"]), "failed": int(count["failed"])}
            for name, count in report["steps"].items()
        },
    )


STEP_ROUTES = (
    ("POST", re.compile(r"^/v1/auth/login$"), "login"),
    ("GET", re.compile(r"^/v1/catalog/"), "catalog"),
    ("POST", re.compile(r"^/v1/orders$"), "order"),
    ("POST", re.compile(r"^/v1/payments/spei/generate$"), "spei"),
    ("POST", re.compile(r"^/v1/analytics/events$"), "event"),
    ("GET", re.compile(r"^/v1/analytics/dashboard"), "dashboard"),
    ("GET", re.compile(r"^/v1/subscriptions$"), "subscriptions"),
    ("GET", re.compile(r"^/_ceiling/ping$"), "ceiling"),
)


@dataclass
class StepLatency:
    """Gateway-side figures of one step: nginx's $request_time, in milliseconds."""

    count: int
    non_2xx: int
    p50: float
    p95: float
    p99: float
    statuses: dict[int, int]


def log_offset(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def step_latencies(path: Path, start: int) -> dict[str, StepLatency]:
    """Group the access-log lines written after byte `start` by step of the mix."""
    times: dict[str, list[float]] = {}
    statuses: dict[str, dict[int, int]] = {}
    with path.open("rb") as handle:
        handle.seek(start)
        for raw in handle:
            entry = json.loads(raw)
            step = _step_of(entry["method"], entry["uri"])
            if step is None:
                continue
            times.setdefault(step, []).append(float(entry["responseTime"]) * 1000)
            by_status = statuses.setdefault(step, {})
            by_status[entry["status"]] = by_status.get(entry["status"], 0) + 1
    return {
        step: StepLatency(
            count=len(values),
            non_2xx=sum(n for status, n in statuses[step].items() if not 200 <= status < 300),
            p50=percentile(values, 50),
            p95=percentile(values, 95),
            p99=percentile(values, 99),
            statuses=statuses[step],
        )
        for step, values in times.items()
    }


def _step_of(method: str, uri: str) -> str | None:
    for step_method, pattern, step in STEP_ROUTES:
        if method == step_method and pattern.match(uri):
            return step
    return None


def percentile(values: list[float], percent: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]
