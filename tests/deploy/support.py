"""Shared helpers of the deployment tests: paths, tool lookup and PromQL metric names."""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"

# Series of the exporters that docker-stack.yml deploys, as their documentation lists them:
# nginx-prometheus-exporter (stub_status) and postgres_exporter (default collectors).
NGINX_EXPORTER_METRICS = frozenset(
    {
        "nginx_up",
        "nginx_connections_active",
        "nginx_connections_accepted",
        "nginx_connections_handled",
        "nginx_connections_reading",
        "nginx_connections_writing",
        "nginx_connections_waiting",
        "nginx_http_requests_total",
    }
)
POSTGRES_EXPORTER_METRICS = frozenset(
    {
        "pg_up",
        "pg_stat_database_numbackends",
        "pg_stat_database_xact_commit",
        "pg_stat_database_xact_rollback",
        "pg_stat_database_blks_hit",
        "pg_stat_database_blks_read",
        "pg_stat_database_deadlocks",
        "pg_settings_max_connections",
        "pg_database_size_bytes",
    }
)
# Written by Prometheus itself for every target.
PROMETHEUS_METRICS = frozenset({"up"})

PROMQL_WORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless"}
    | {"bool", "offset", "inf", "nan"}
)
IDENTIFIER = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


def require_tool(name: str) -> str:
    """Return the path of a command from the virtualenv or PATH, or skip the test."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    path = shutil.which(name, path=search)
    if path is None:
        pytest.skip(f"{name} is not installed; see docs/en/operations.md, Validation")
    return path


def promql_metric_names(expression: str) -> set[str]:
    """Return the metric names an expression selects (functions and labels excluded)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expression)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in IDENTIFIER.finditer(text):
        following = text[match.end() :].lstrip()
        word = match.group(0)
        if following.startswith("(") or word.lower() in PROMQL_WORDS:
            continue
        if match.start() > 0 and text[match.start() - 1].isdigit():
            continue  # a unit suffix such as the "m" of 5m
        names.add(word)
    return names


def registry_series_names(registry: CollectorRegistry) -> set[str]:
    """Return every series name a registry can expose, including labelled metrics that have
    no sample yet."""
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_count", "_sum", "_created"),
        "summary": ("_count", "_sum", "_created"),
        "gauge": ("",),
        "info": ("_info",),
    }
    names = set()
    for family in registry.collect():
        for suffix in suffixes.get(family.type, ("",)):
            names.add(family.name + suffix)
        names.update(sample.name for sample in family.samples)
    return names
