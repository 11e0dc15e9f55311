"""docker-stack.yml passes `docker stack config` and the compose-spec schema, and keeps the
deployment rules: replicas, health checks, restart and update policies, limits, secrets as
files and the separation of the public and data networks."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.support import DEPLOY, ROOT, require_tool

SWARM = DEPLOY / "swarm"
STACK = SWARM / "docker-stack.yml"
REPLICAS = {
    "gateway": 2,
    "auth": 3,
    "payments": 3,
    "subscriptions": 2,
    "notifications": 2,
    "analytics": 2,
    "chatwoot": 1,
    "compliance": 1,
    "admin": 1,
    "worker": 2,
    "postgres-primary": 1,
    "postgres-replica-1": 1,
    "postgres-replica-2": 1,
    "redis": 1,
    "prometheus": 1,
    "grafana": 1,
    "loki": 1,
}
CUENTY_SERVICES = ("auth", "payments", "subscriptions", "notifications", "analytics")
CUENTY_SERVICES += ("chatwoot", "compliance", "admin", "worker")
STATEFUL = {"postgres-primary", "postgres-replica-1", "postgres-replica-2", "redis"}
STATEFUL |= {"prometheus", "grafana", "loki"}
# Their images contain no shell or HTTP client to probe with; Prometheus alerts on them
# (up == 0) instead.
WITHOUT_HEALTHCHECK = {"postgres-exporter", "nginx-exporter"}
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|_KEY)$")


def stack_config() -> str:
    docker = require_tool("docker")
    environment = {**os.environ, "CUENTY_ENV_FILE": ".env.example"}
    result = subprocess.run(
        [docker, "stack", "config", "--compose-file", str(STACK)],
        cwd=SWARM,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def stack() -> dict[str, Any]:
    """The stack after `docker stack config` resolved anchors and variables."""
    return yaml.safe_load(stack_config())


def services(stack: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return stack["services"]


def test_docker_stack_config_passes() -> None:
    assert "services:" in stack_config()


def test_compose_schema_passes() -> None:
    checker = require_tool("check-jsonschema")
    result = subprocess.run(
        [checker, "--builtin-schema", "vendor.compose-spec", str(STACK)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_schema_rejects_bad_stack(tmp_path: Path) -> None:
    checker = require_tool("check-jsonschema")
    broken = tmp_path / "docker-stack.yml"
    broken.write_text(
        STACK.read_text(encoding="utf-8").replace("update_config:", "update_configuration:", 1)
    )
    result = subprocess.run(
        [checker, "--builtin-schema", "vendor.compose-spec", str(broken)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0


def test_replica_counts(stack: dict[str, Any]) -> None:
    for name, replicas in REPLICAS.items():
        assert services(stack)[name]["deploy"]["replicas"] == replicas, name


def test_health_checks_every_30_seconds(stack: dict[str, Any]) -> None:
    for name, service in services(stack).items():
        if name in WITHOUT_HEALTHCHECK:
            continue
        assert service["healthcheck"]["interval"] == "30s", name


def test_restart_policy(stack: dict[str, Any]) -> None:
    for name, service in services(stack).items():
        policy = service["deploy"]["restart_policy"]
        assert policy["condition"] == "on-failure", name
        assert policy["delay"] == "5s", name
        assert policy["max_attempts"] == 3, name


def test_update_config(stack: dict[str, Any]) -> None:
    for name, service in services(stack).items():
        update = service["deploy"]["update_config"]
        assert update["parallelism"] == 1, name
        assert update["delay"] == "10s", name
        assert update["failure_action"] == "rollback", name
        expected_order = "stop-first" if name in STATEFUL else "start-first"
        assert update["order"] == expected_order, name


def test_resource_limits(stack: dict[str, Any]) -> None:
    for name, service in services(stack).items():
        limits = service["deploy"]["resources"]["limits"]
        assert float(limits["cpus"]) > 0, name
        assert int(limits["memory"]) > 0, name


def test_services_select_command(stack: dict[str, Any]) -> None:
    for name in CUENTY_SERVICES[:-1]:
        command = services(stack)[name]["command"]
        assert command[:3] == ["serve", "--service", name], name
        assert "0.0.0.0" in command, name  # noqa: S104 - listens inside its container
    assert services(stack)["worker"]["command"][0] == "worker"


def test_no_secret_in_environment(stack: dict[str, Any]) -> None:
    for name, service in services(stack).items():
        for variable in service.get("environment") or {}:
            assert not SECRET_NAME.search(variable), f"{name}: {variable}"


def test_secrets_read_from_files(stack: dict[str, Any]) -> None:
    for name in CUENTY_SERVICES:
        service = services(stack)[name]
        mounted = {secret["source"] for secret in service["secrets"]}
        assert {"cuenty_secret_key", "cuenty_encryption_key", "cuenty_pgpass"} <= mounted
        environment = service["environment"]
        assert environment["CUENTY_SECRET_KEY_FILE"] == "/run/secrets/cuenty_secret_key"
        assert "@postgres-primary" in environment["CUENTY_DATABASE_URL"]
        assert ":" not in environment["CUENTY_DATABASE_URL"].split("//")[1].split("@")[0]


def test_bank_secrets_reach_payments(stack: dict[str, Any]) -> None:
    for name in ("payments", "worker"):
        service = services(stack)[name]
        mounted = {secret["source"] for secret in service["secrets"]}
        assert "cuenty_payments_bank_webhook_secrets" in mounted
        assert service["environment"]["CUENTY_PAYMENTS_BANK_WEBHOOK_SECRETS_FILE"]


def test_data_tier_is_private(stack: dict[str, Any]) -> None:
    assert stack["networks"]["data"]["internal"] is True
    for name in ("postgres-primary", "postgres-replica-1", "postgres-replica-2", "redis"):
        assert set(services(stack)[name]["networks"]) == {"data"}, name
    gateway = services(stack)["gateway"]
    assert "data" not in gateway["networks"]
    published = {name for name, service in services(stack).items() if service.get("ports")}
    assert published == {"gateway", "grafana"}


def test_analytics_reads_replica(stack: dict[str, Any]) -> None:
    url = services(stack)["analytics"]["environment"]["CUENTY_ANALYTICS_DATABASE_URL"]
    assert "@postgres-replica-1:" in url


def test_config_files_exist() -> None:
    raw = yaml.safe_load(STACK.read_text(encoding="utf-8"))
    for name, config in raw["configs"].items():
        path = (SWARM / config["file"]).resolve()
        if path.is_relative_to(DEPLOY / "nginx") and not (DEPLOY / "nginx").exists():
            continue  # the gateway's configuration lives in its own branch until merged
        assert path.is_file(), f"config {name}: {path} is missing"


def test_every_nginx_file_mounted() -> None:
    nginx = DEPLOY / "nginx"
    if not nginx.exists():
        pytest.skip("deploy/nginx is not in this tree yet")
    raw = yaml.safe_load(STACK.read_text(encoding="utf-8"))
    mounted = {(SWARM / config["file"]).resolve() for config in raw["configs"].values()}
    for path in nginx.rglob("*"):
        if path.is_file() and path.suffix in {".conf", ".json"}:
            assert path.resolve() in mounted, f"{path.relative_to(ROOT)} is not a gateway config"
