"""The setup pieces of the load test (bench/gateway_load.py, bench/load/); no load is sent."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest
from bench.gateway_load import _replicas
from bench.load.runs import percentile, step_latencies
from bench.load.seed import Customer, Plan, write_lua_plan
from bench.load.stack import (
    CEILING_PATH,
    RAISED_GATEWAY_CONNECTIONS,
    RAISED_GATEWAY_RATE,
    add_ceiling_route,
    raise_gateway_limits,
)

from tests.conftest import service_missing
from tests.deploy.gateway_support import GatewayPorts, render_gateway_config


@pytest.fixture
def rendered(tmp_path: Path) -> Path:
    ports = GatewayPorts(http=8081, https=8443, status=8082)
    config = render_gateway_config(
        tmp_path, ports=ports, upstreams={}, unused_address="127.0.0.1:9"
    )
    return config.parent


def test_raised_limits_replace_every_rate(rendered: Path) -> None:
    raise_gateway_limits(rendered)

    limits = (rendered / "conf.d" / "limits.conf").read_text()
    common = (rendered / "snippets" / "server-common.conf").read_text()
    assert limits.count(f"rate={RAISED_GATEWAY_RATE}") == 3
    assert "r/m" not in limits
    assert f"limit_conn cuenty_connections_per_ip {RAISED_GATEWAY_CONNECTIONS};" in common


def test_ceiling_route_precedes_catch_all(rendered: Path) -> None:
    add_ceiling_route(rendered, 8123)

    routes = (rendered / "snippets" / "routes.conf").read_text()
    upstreams = (rendered / "conf.d" / "upstreams.conf").read_text()
    assert routes.index(f"location = {CEILING_PATH}") < routes.index("location / {")
    assert "server 127.0.0.1:8123;" in upstreams


def test_replicas_option_parses_counts() -> None:
    counts = _replicas("subscriptions=3,auth=2")

    assert counts["subscriptions"] == 3
    assert counts["auth"] == 2
    assert counts["payments"] == 1


@pytest.mark.parametrize("text", ["billing=1", "auth=two", "auth"])
def test_replicas_option_rejects_bad_items(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        _replicas(text)


def test_percentile_is_nearest_rank() -> None:
    values = [float(value) for value in range(1, 101)]

    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile(values, 99) == 99.0
    assert percentile([7.0], 99) == 7.0


def test_access_log_grouped_by_step(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    old = {"method": "GET", "uri": "/v1/catalog/services", "status": 200, "responseTime": 9.0}
    log.write_text(json.dumps(old) + "\n")
    start = log.stat().st_size
    entries = [
        ("GET", "/v1/catalog/services", 200, 0.010),
        ("GET", "/v1/catalog/bundles", 200, 0.030),
        ("POST", "/v1/orders", 201, 0.050),
        ("POST", "/v1/orders", 499, 0.900),
        ("GET", "/health", 200, 0.001),
    ]
    with log.open("a") as handle:
        for method, uri, status, seconds in entries:
            line = {"method": method, "uri": uri, "status": status, "responseTime": seconds}
            handle.write(json.dumps(line) + "\n")

    steps = step_latencies(log, start)

    assert set(steps) == {"catalog", "order"}
    assert steps["catalog"].count == 2
    assert steps["catalog"].p99 == pytest.approx(30.0)
    assert steps["order"].non_2xx == 1
    assert steps["order"].statuses == {201: 1, 499: 1}


def test_lua_plan_escapes_strings(tmp_path: Path) -> None:
    plan = Plan(
        customers=[Customer('a"b@example.com', "user-1", "token\\1")],
        operations_token="staff",
        plan_ids=["plan-1"],
        analytics_routes={},
        subscriptions_of_first_customer=0,
    )
    path = tmp_path / "plan.lua"

    write_lua_plan(plan, {"catalog": 1}, path)

    text = path.read_text()
    assert 'email = "a\\"b@example.com"' in text
    assert 'token = "token\\\\1"' in text
    assert '{name = "catalog", weight = 1}' in text


@pytest.mark.slow
def test_dry_run_checks_config_and_scripts() -> None:
    for tool in ("nginx", "openssl"):
        if shutil.which(tool) is None:
            service_missing(f"{tool} is not installed (Debian: apt-get install -y {tool})")
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (Debian: apt-get install -y wrk)")
    from bench.load.dry_run import dry_run

    lines = dry_run().splitlines()

    assert lines[0].endswith("nginx -t passed")
    assert lines[1].endswith("nginx -t passed")
    assert lines[2].endswith("steps catalog, dashboard, event, login, order, spei")
    assert lines[3].startswith("ceiling.lua: ")
