"""The Prometheus configuration and rules pass promtool and name only exported series."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.deploy.support import DEPLOY, promql_metric_names, require_tool

PROMETHEUS = DEPLOY / "prometheus"
RULE_FILES = sorted((PROMETHEUS / "rules").glob("*.yml"))
SERVICES = (
    "auth",
    "payments",
    "subscriptions",
    "notifications",
    "analytics",
    "chatwoot",
    "compliance",
    "admin",
    "worker",
)


def run(*command: str, cwd: Path = PROMETHEUS) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def rules() -> list[dict[str, str]]:
    found = []
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            found.extend(group["rules"])
    return found


def test_promtool_checks_config(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    # The config names the rules by their path inside the container.
    config = (PROMETHEUS / "prometheus.yml").read_text(encoding="utf-8")
    local = config.replace("/etc/prometheus/rules/", f"{PROMETHEUS}/rules/")
    (tmp_path / "prometheus.yml").write_text(local, encoding="utf-8")
    result = run(promtool, "check", "config", str(tmp_path / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_checks_rules() -> None:
    promtool = require_tool("promtool")
    result = run(promtool, "check", "rules", *map(str, RULE_FILES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_rule_unit_tests() -> None:
    promtool = require_tool("promtool")
    result = run(promtool, "test", "rules", "tests/alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_catch_broken_rule(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    for name in ("rules", "tests"):
        (tmp_path / name).mkdir()
        for path in (PROMETHEUS / name).iterdir():
            (tmp_path / name / path.name).write_text(path.read_text(encoding="utf-8"))
    alerts = tmp_path / "rules" / "alerts.yml"
    alerts.write_text(alerts.read_text().replace("> 3600", "> 36000"), encoding="utf-8")
    result = run(promtool, "test", "rules", "tests/alerts_test.yml", cwd=tmp_path)
    assert result.returncode != 0


def test_every_service_scraped() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text(encoding="utf-8"))
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    for service in SERVICES:
        names = jobs[service]["dns_sd_configs"][0]["names"]
        assert names == [f"tasks.{service}"], service
    assert jobs["gateway"]["static_configs"][0]["targets"] == ["nginx-exporter:9113"]
    assert jobs["postgres"]["static_configs"][0]["targets"] == ["postgres-exporter:9187"]


def test_required_alerts_exist() -> None:
    alerts = {rule["alert"] for rule in rules() if "alert" in rule}
    expected = {
        "CuentyServiceDown",
        "CuentyHighErrorRate",
        "CuentyHighLatencyP95",
        "CuentyJobQueueStale",
        "CuentyWebhookDeliveriesFailed",
        "CuentyTransfersUnreconciled",
        "CuentyArcoDeadlineNear",
    }
    assert expected <= alerts, expected - alerts


def test_rules_name_exported_metrics(exported_metrics: frozenset[str]) -> None:
    recorded = {rule["record"] for rule in rules() if "record" in rule}
    for rule in rules():
        unknown = promql_metric_names(rule["expr"]) - exported_metrics - recorded
        assert not unknown, f"{rule.get('alert') or rule.get('record')}: {sorted(unknown)}"


def test_metric_name_check_catches_typo(exported_metrics: frozenset[str]) -> None:
    names = promql_metric_names('sum by (job) (rate(cuenty_http_request_total{status="500"}[5m]))')
    assert names - exported_metrics == {"cuenty_http_request_total"}
