"""The machine line and the Markdown tables of a load-test run, for docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from datetime import date
from typing import Any

from bench.load.stack import StackOptions

STEP_LABELS = {
    "catalog": "catalog browse (GET /v1/catalog/services, /bundles; anonymous)",
    "login": "sign-in (POST /v1/auth/login)",
    "order": "order (POST /v1/orders)",
    "spei": "SPEI instructions (POST /v1/payments/spei/generate)",
    "event": "analytics event (POST /v1/analytics/events)",
    "dashboard": "dashboard (GET /v1/analytics/dashboard, operations staff)",
}


def machine_line() -> str:
    cpu = "unknown processor"
    with open("/proc/cpuinfo") as handle:
        match = re.search(r"^model name\s*:\s*(.+)$", handle.read(), re.MULTILINE)
        if match:
            cpu = match.group(1).strip()
    with open("/proc/meminfo") as handle:
        kib = int(re.search(r"MemTotal:\s+(\d+)", handle.read()).group(1))  # type: ignore[union-attr]
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} cores ({cpu}), {kib / 1024 / 1024:.0f} GiB RAM, "
        f"Python {platform.python_version()}, {_version(['nginx', '-v'])}, "
        f"{_version(['psql', '--version'])}, {_version(['redis-server', '--version'])}, "
        f"{_version(['wrk', '--version'])}, {_version(['ab', '-V'])}, {date.today()}, "
        f"load average {load:.2f} at the start"
    )


def _version(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except OSError:
        return f"{command[0]} missing"
    text = (result.stdout + result.stderr).strip().splitlines()
    return text[0].strip() if text else command[0]


def processes_line(options: StackOptions) -> str:
    services = ", ".join(f"{name} x{count}" for name, count in options.replicas.items())
    worker = "one `cuenty worker` (concurrency 4)" if options.job_worker else "no job worker"
    return (
        f"`cuenty serve --service` processes (one uvicorn worker each): {services}; one "
        f"every-service process for /openapi.json; {worker}; the ceiling app (one uvicorn "
        f"worker); nginx with `worker_processes auto` (2); database pool "
        f"{options.pool_size} + {options.pool_size} overflow per process"
    )


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Machine: {results['machine']}",
        f"Processes: {results['processes']}",
        f"Command: `{results['command']}`",
        "",
        "| scenario | requests | throughput (req/s) | p50 (ms) | p95 (ms) | p99 (ms) | "
        "errors | throughput ratio to ceiling | p50 ratio to ceiling |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    titles = {
        "ab": (
            f"`{results['ab_command']}` GET /v1/subscriptions",
            f"`{results['ab_command']}`, bare FastAPI (ceiling)",
        ),
        "keepalive": ("wrk keep-alive GET /v1/subscriptions", "wrk keep-alive, bare FastAPI"),
        "mix": ("wrk mix", "wrk, bare FastAPI (ceiling)"),
    }
    for key, (title, ceiling_title) in titles.items():
        ceiling, cuenty = results[key]["ceiling"], results[key]["cuenty"]
        lines.append(_row(ceiling_title, ceiling, ceiling))
        lines.append(_row(title, cuenty, ceiling))
    lines.append(
        _row("wrk mix without sign-ins", results["mix"]["without_login"], results["mix"]["ceiling"])
    )
    lines += ["", _steps_table(results["mix"]), "", _limits_table(results["limits"])]
    notes = results["seed"].get("notes") or []
    lines += [f"NOTE: {note}" for note in notes]
    return "\n".join(lines)


def _row(title: str, figures: dict[str, Any], ceiling: dict[str, Any]) -> str:
    throughput = figures["requests"] / figures["seconds"]
    ceiling_throughput = ceiling["requests"] / ceiling["seconds"]
    errors = figures["failed"] / figures["requests"] if figures["requests"] else 0
    return (
        f"| {title} | {figures['requests']:,} | {throughput:,.0f} | {figures['p50']:.1f} | "
        f"{figures['p95']:.1f} | {figures['p99']:.1f} | {errors:.2%} | "
        f"{throughput / ceiling_throughput:.2f} | {figures['p50'] / ceiling['p50']:.1f} |"
    )


def _steps_table(mix: dict[str, Any]) -> str:
    lines = [
        "| step of the mix | requests | share | p50 (ms) | p95 (ms) | p99 (ms) | errors | "
        "cut by the end of the run (499) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    steps = mix["steps"]
    total = sum(figures["count"] for name, figures in steps.items() if name in STEP_LABELS)
    for name, label in STEP_LABELS.items():
        figures = steps.get(name)
        if figures is None:
            routes = mix["analytics_routes"]
            reason = "route absent" if routes.get(name) is False else "no request"
            lines.append(f"| {label} | not measured: {reason} | | | | | | |")
            continue
        # nginx logs 499 for a request whose client closed the connection: wrk does so to
        # the requests still waiting when its run ends.
        cut = figures["statuses"].get(499, 0)
        errors = (figures["non_2xx"] - cut) / figures["count"]
        lines.append(
            f"| {label} | {figures['count']:,} | {figures['count'] / total:.0%} | "
            f"{figures['p50']:.0f} | {figures['p95']:.0f} | {figures['p99']:.0f} | "
            f"{errors:.2%} | {cut} |"
        )
    return "\n".join(lines)


def _limits_table(checks: list[dict[str, Any]]) -> str:
    lines = [
        "| production limit check | limit | sent | expected 2xx | 2xx | 429 | 429 as "
        "problem+json | 429 with Retry-After | answered by | other |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for check in checks:
        other = ", ".join(f"{status}: {count}" for status, count in check["other"].items())
        lines.append(
            f"| {check['name']} | {check['limit']} | {check['sent']} | "
            f"{check['expected_accepted']} | {check['accepted']} | {check['limited']} | "
            f"{check['problem_json']} | {check['retry_after']} | "
            f"{', '.join(sorted(check['answered_by']))} | {other or 'none'} |"
        )
    return "\n".join(lines)
