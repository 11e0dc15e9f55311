"""The platform on 127.0.0.1 for the load test: a scratch PostgreSQL database, a Redis
database number of its own, `cuenty serve --service` processes, a job worker, a bare FastAPI
app (the ceiling) and the shipped NGINX gateway rendered in front of them.

Every process is started here and stopped by its PID; the database is dropped at the end.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.deploy.gateway_support import (  # noqa: E402
    GatewayPorts,
    free_port,
    make_certificates,
    nginx_command,
    render_gateway_config,
    start_service,
    stop,
    wait_until_answering,
)

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
CEILING_PATH = "/_ceiling/ping"
# Limits of the capacity runs: far above anything 2 cores can send, so no request is refused.
RAISED_SERVICE_LIMIT = "10000000/minute"
RAISED_GATEWAY_RATE = "100000r/s"
RAISED_GATEWAY_CONNECTIONS = 10000
# The subscriptions service serves catalog, orders and subscriptions, so it gets the second
# replica; docker-stack.yml runs 2-3 replicas of each, which 2 cores cannot.
DEFAULT_REPLICAS = {"auth": 1, "payments": 1, "subscriptions": 2, "analytics": 1}


@dataclass
class StackOptions:
    redis_db: int = 12
    replicas: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_REPLICAS))
    job_worker: bool = True
    pool_size: int = 5


@dataclass
class Stack:
    """Processes, ports and scratch database of one run; `close` removes all of them."""

    options: StackOptions
    folder: Path
    database: str
    ports: GatewayPorts
    environment: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    service_ports: dict[str, list[int]] = field(default_factory=dict)
    ceiling_port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.http}"

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:6379/{self.options.redis_db}"

    def start_services(self, *, production_limits: bool) -> None:
        """Start every service process, the job worker, the ceiling app and nginx."""
        environment = dict(self.environment)
        if not production_limits:
            environment.update(raised_service_limits())
        replicas = {**self.options.replicas, "docs": 1}
        for name, count in replicas.items():
            for index in range(count):
                port = free_port()
                label = f"{name}-{index + 1}"
                log = self.folder / f"{label}.log"
                self.processes[label] = start_service(name, port, environment, log)
                self.service_ports.setdefault(name, []).append(port)
        self.ceiling_port = free_port()
        self.processes["ceiling"] = _start_ceiling(self.ceiling_port, self.folder / "ceiling.log")
        if self.options.job_worker:
            self.processes["worker"] = _start_worker(environment, self.folder / "worker.log")
        for label, process in self.processes.items():
            if label == "worker":
                continue
            port = self._port_of(label)
            wait_until_answering(
                f"http://127.0.0.1:{port}/health", process, self.folder / f"{label}.log"
            )
        self._start_gateway(production_limits=production_limits)

    def stop_services(self) -> None:
        """Stop nginx and every process started by `start_services`, by PID."""
        for process in self.processes.values():
            stop(process)
        self.processes.clear()
        self.service_ports.clear()

    def flush_redis(self) -> None:
        with redis.Redis.from_url(self.redis_url) as client:
            client.flushdb()

    def close(self) -> None:
        self.stop_services()
        self.flush_redis()
        with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        shutil.rmtree(self.folder, ignore_errors=True)

    def _port_of(self, label: str) -> int:
        if label == "ceiling":
            return self.ceiling_port
        name, _, index = label.rpartition("-")
        return self.service_ports[name][int(index) - 1]

    def _start_gateway(self, *, production_limits: bool) -> None:
        config_folder = self.folder / "cuenty"
        if config_folder.exists():
            shutil.rmtree(config_folder)
        upstreams = {
            name: [f"127.0.0.1:{port}" for port in ports]
            for name, ports in self.service_ports.items()
        }
        config = render_gateway_config(
            self.folder,
            ports=self.ports,
            upstreams=upstreams,
            unused_address=f"127.0.0.1:{free_port()}",
        )
        add_ceiling_route(config.parent, self.ceiling_port)
        if not production_limits:
            raise_gateway_limits(config.parent)
        nginx = subprocess.Popen(nginx_command(config, "-g", "daemon off;"))
        self.processes["nginx"] = nginx
        wait_until_answering(f"{self.url}/health", nginx, self.folder / "error.log")


def start_stack(options: StackOptions) -> Stack:
    """Create and migrate the scratch database and make the gateway's test certificates.

    Raises RuntimeError when the Redis database number already contains keys, because the
    run flushes it.
    """
    with redis.Redis.from_url(f"redis://127.0.0.1:6379/{options.redis_db}") as client:
        if client.dbsize():
            raise RuntimeError(
                f"Redis database {options.redis_db} is not empty and this run flushes it; "
                "choose another with --redis-db"
            )
    # nginx workers run as "nobody" when the script runs as root, so they must read this.
    folder = Path(tempfile.mkdtemp(prefix="cuenty-load-"))
    folder.chmod(0o755)
    database = f"cuenty_load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    ports = GatewayPorts(http=free_port(), https=free_port(), status=free_port())
    stack = Stack(options, folder, database, ports, {})
    stack.environment = service_environment(stack)
    try:
        make_certificates(folder / "tls")
        run_cli(["db", "upgrade"], stack.environment)
    except BaseException:
        stack.close()
        raise
    return stack


def service_environment(stack: Stack) -> dict[str, str]:
    """Return the environment of every `cuenty` process: this machine's PostgreSQL and Redis,
    no provider credentials (messages stay in the development outbox), warnings only."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CUENTY_")}
    environment.update(
        CUENTY_DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:5432/{stack.database}",
        CUENTY_DATABASE_POOL_SIZE=str(stack.options.pool_size),
        CUENTY_REDIS_URL=stack.redis_url,
        CUENTY_LOG_LEVEL="WARNING",
        CUENTY_PUBLIC_BASE_URL=stack.url,
        CUENTY_PAYMENTS_CLABE_PREFIX="6461801570",
    )
    return environment


def raised_service_limits() -> dict[str, str]:
    names = ("PER_IP", "PER_USER", "PER_API_KEY", "AUTH", "BANK_NOTIFICATIONS")
    return {f"CUENTY_RATE_LIMIT_{name}": RAISED_SERVICE_LIMIT for name in names}


def raise_gateway_limits(config_folder: Path) -> None:
    """Lift the request-rate and connection limits of a rendered gateway configuration."""
    limits = config_folder / "conf.d" / "limits.conf"
    text, count = re.subn(r"rate=\d+r/m", f"rate={RAISED_GATEWAY_RATE}", limits.read_text())
    if count != 3:
        raise RuntimeError(f"expected 3 limit_req_zone rates in {limits}, found {count}")
    limits.write_text(text)
    common = config_folder / "snippets" / "server-common.conf"
    text, count = re.subn(
        r"limit_conn cuenty_connections_per_ip \d+;",
        f"limit_conn cuenty_connections_per_ip {RAISED_GATEWAY_CONNECTIONS};",
        common.read_text(),
    )
    if count != 1:
        raise RuntimeError(f"expected one limit_conn line in {common}, found {count}")
    common.write_text(text)


def add_ceiling_route(config_folder: Path, port: int) -> None:
    """Route CEILING_PATH of a rendered gateway to the bare FastAPI app, through the same
    server block (limits, headers, request id, logging) and proxy settings as the services."""
    upstreams = config_folder / "conf.d" / "upstreams.conf"
    upstreams.write_text(
        upstreams.read_text()
        + f"\nupstream cuenty_ceiling {{\n    server 127.0.0.1:{port};\n    keepalive 32;\n}}\n"
    )
    routes = config_folder / "snippets" / "routes.conf"
    location = (
        f"location = {CEILING_PATH} {{\n"
        "    set $cuenty_service ceiling;\n"
        f"    include {config_folder}/snippets/proxy.conf;\n"
        "    proxy_pass http://cuenty_ceiling/ping;\n"
        "}\n\n"
    )
    text = routes.read_text()
    marker = "location / {"
    if marker not in text:
        raise RuntimeError(f"no catch-all location in {routes}")
    routes.write_text(text.replace(marker, location + marker, 1))


def _start_ceiling(port: int, log: Path) -> subprocess.Popen[bytes]:
    uvicorn = Path(sys.executable).parent / "uvicorn"
    command = [
        str(uvicorn),
        "--app-dir",
        str(Path(__file__).parent),
        "ceiling_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    with log.open("wb") as output:
        return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)


def _start_worker(environment: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    cuenty = Path(sys.executable).parent / "cuenty"
    with log.open("wb") as output:
        return subprocess.Popen(
            [str(cuenty), "worker", "--name", "load"],
            env=dict(environment),
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def run_cli(arguments: list[str], environment: Mapping[str, str]) -> str:
    cuenty = Path(sys.executable).parent / "cuenty"
    result = subprocess.run(
        [str(cuenty), *arguments],
        env=dict(environment),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"cuenty {' '.join(arguments)} failed:\n{result.stderr[-3000:]}")
    return result.stdout
