"""The shipped NGINX gateway (deploy/nginx) in front of real `cuenty serve --service` processes.

One module-wide gateway serves every test: two payments replicas, one subscriptions, one
auth, one every-service process for the docs, a header-echo server as the chatwoot pool and
nothing listening behind the other pools. Each test sends its own X-Forwarded-For (the test
client connects from 127.0.0.1, a trusted proxy), so the rate-limit buckets stay separate.
"""

from __future__ import annotations

import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import service_missing
from tests.deploy.gateway_support import (
    EchoServer,
    GatewayPorts,
    free_port,
    make_certificates,
    nginx_command,
    read_access_log,
    render_gateway_config,
    start_echo_server,
    start_service,
    stop,
    wait_until_answering,
)

pytestmark = pytest.mark.slow

SERVICE_PROCESSES = ("payments", "payments", "subscriptions", "auth", "docs")
GENERATED_REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")
PROBLEM_MEDIA_TYPE = "application/problem+json"


@dataclass
class Gateway:
    folder: Path
    config: Path
    ports: GatewayPorts
    certificates: dict[str, Path]
    service_ports: dict[str, list[int]] = field(default_factory=dict)
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    echo: EchoServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.http}"

    @property
    def https_url(self) -> str:
        return f"https://127.0.0.1:{self.ports.https}"

    def get(self, path: str, client_ip: str, **options: Any) -> httpx.Response:
        headers = {"X-Forwarded-For": client_ip, **options.pop("headers", {})}
        return httpx.get(self.url + path, headers=headers, timeout=10, **options)

    def tls_context(self, *, with_client_certificate: bool) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.certificates["cuenty.crt"]))
        if with_client_certificate:
            context.load_cert_chain(
                self.certificates["client.crt"], self.certificates["client.key"]
            )
        return context

    def log_entry(self, request_id: str) -> dict[str, Any]:
        """Return the access-log line of a request; nginx writes it just after responding."""
        deadline = time.monotonic() + 3
        while True:
            for entry in read_access_log(self.folder / "access.log"):
                if entry["request_id"] == request_id:
                    return entry
            if time.monotonic() > deadline:
                raise AssertionError(f"no access-log line has request_id {request_id}")
            time.sleep(0.05)


@pytest.fixture(scope="module")
def gateway() -> Iterator[Gateway]:
    for tool in ("nginx", "openssl"):
        if shutil.which(tool) is None:
            service_missing(f"{tool} is not installed (Debian: apt-get install -y {tool})")

    # When the tests run as root, nginx workers run as "nobody" and must read this folder.
    # pytest's tmp_path is private to its owner, so a world-readable folder is made here.
    folder = Path(tempfile.mkdtemp(prefix="cuenty-gateway-"))
    folder.chmod(0o755)
    environment = _service_environment(folder)
    subprocess.run(
        [str(Path(sys.executable).parent / "cuenty"), "db", "upgrade"],
        env=environment,
        check=True,
        capture_output=True,
        timeout=120,
    )

    ports = GatewayPorts(http=free_port(), https=free_port(), status=free_port())
    gateway = Gateway(folder, folder / "cuenty" / "nginx.conf", ports, {})
    echo_server = start_echo_server()
    gateway.echo = echo_server
    try:
        _start_services(gateway, environment)
        gateway.certificates = make_certificates(folder / "tls")
        upstreams = {
            name: [f"127.0.0.1:{port}" for port in service_ports]
            for name, service_ports in gateway.service_ports.items()
        }
        upstreams["chatwoot"] = [f"127.0.0.1:{echo_server.server_address[1]}"]
        render_gateway_config(
            folder, ports=ports, upstreams=upstreams, unused_address=f"127.0.0.1:{free_port()}"
        )
        nginx = subprocess.Popen(nginx_command(gateway.config, "-g", "daemon off;"))
        gateway.processes[ports.http] = nginx
        wait_until_answering(f"{gateway.url}/health", nginx, folder / "error.log")
        yield gateway
    finally:
        for process in gateway.processes.values():
            stop(process)
        echo_server.release.set()
        echo_server.shutdown()
        echo_server.server_close()
        shutil.rmtree(folder, ignore_errors=True)


def _service_environment(folder: Path) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CUENTY_")}
    environment.update(
        CUENTY_DATABASE_URL=f"sqlite+aiosqlite:///{folder}/cuenty.db",
        CUENTY_JOBS_EMBEDDED_RUNNER="false",
        # The services' own limiter returns 429 too, and these tests check the gateway's.
        CUENTY_RATE_LIMIT_ENABLED="false",
        CUENTY_LOG_LEVEL="WARNING",
    )
    return environment


def _start_services(gateway: Gateway, environment: dict[str, str]) -> None:
    logs: dict[int, Path] = {}
    for name in SERVICE_PROCESSES:
        port = free_port()
        logs[port] = gateway.folder / f"{name}-{port}.log"
        gateway.processes[port] = start_service(name, port, environment, logs[port])
        gateway.service_ports.setdefault(name, []).append(port)
    for port, process in gateway.processes.items():
        wait_until_answering(f"http://127.0.0.1:{port}/health", process, logs[port])


def _upstream_ports(entry: dict[str, Any]) -> set[int]:
    return {int(address.rsplit(":", 1)[1]) for address in entry["upstream"].split(", ")}


def test_shipped_config_passes_nginx_test(gateway: Gateway) -> None:
    result = subprocess.run(
        nginx_command(gateway.config, "-t"), capture_output=True, text=True, timeout=30
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("path", "service", "status"),
    [
        ("/v1/catalog/services", "subscriptions", 200),
        ("/v1/orders", "subscriptions", 401),
        ("/v1/auth/.well-known/jwks.json", "auth", 200),
        ("/v1/users/me", "auth", 401),
        ("/v1/payments/reconciliation/unmatched", "payments", 401),
    ],
)
def test_route_reaches_its_service(gateway: Gateway, path: str, service: str, status: int) -> None:
    request_id = f"route-{service}-{time.monotonic_ns()}"

    response = gateway.get(path, "198.51.100.1", headers={"X-Request-ID": request_id})

    assert response.status_code == status
    entry = gateway.log_entry(request_id)
    assert entry["service"] == service
    assert _upstream_ports(entry) <= set(gateway.service_ports[service])


@pytest.mark.parametrize("service", ["auth", "payments", "subscriptions"])
def test_service_health_passes_through(gateway: Gateway, service: str) -> None:
    response = gateway.get(f"/v1/{service}/health", "198.51.100.2")

    assert response.status_code == 200
    assert response.json()["service"] == service


def test_gateway_health_answers_itself(gateway: Gateway) -> None:
    response = gateway.get("/health", "198.51.100.3")

    assert response.json() == {"status": "ok", "service": "gateway"}


def test_combined_docs_list_every_service(gateway: Gateway) -> None:
    paths = gateway.get("/openapi.json", "198.51.100.4").json()["paths"]

    assert "/v1/auth/login" in paths
    assert "/v1/payments/spei/generate" in paths
    assert "/v1/catalog/services" in paths
    docs = gateway.get("/docs", "198.51.100.4")
    assert docs.headers["content-type"].startswith("text/html")
    asset = re.search(r'src="(/static-offline-docs/[^"]+)"', docs.text)
    assert asset is not None, docs.text
    assert gateway.get(asset.group(1), "198.51.100.4").status_code == 200


def test_unknown_path_answers_problem(gateway: Gateway) -> None:
    response = gateway.get("/v2/nothing", "198.51.100.5")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    assert response.json()["code"] == "not_found"


def test_unreachable_service_answers_502_problem(gateway: Gateway) -> None:
    response = gateway.get("/v1/analytics/health", "198.51.100.6")

    assert response.status_code == 502
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    assert response.json() == {
        "type": "urn:cuenty:problem:bad_gateway",
        "title": "Respuesta inválida del servicio",
        "status": 502,
        "detail": "El servicio que atiende esta ruta no respondió o cerró la conexión; "
        "vuelve a intentar en unos segundos.",
        "code": "bad_gateway",
    }


def test_gateway_errors_in_english_on_request(gateway: Gateway) -> None:
    response = gateway.get(
        "/v1/analytics/health", "198.51.100.6", headers={"Accept-Language": "en-US,en;q=0.9"}
    )

    assert response.json()["title"] == "Bad gateway"
    assert response.headers["content-language"] == "en"


def test_oversized_body_answers_413_problem(gateway: Gateway) -> None:
    body = b"x" * (1024 * 1024 + 1)

    response = httpx.post(
        f"{gateway.url}/v1/orders", content=body, headers={"X-Forwarded-For": "198.51.100.7"}
    )

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_statement_upload_may_exceed_one_mib(gateway: Gateway) -> None:
    body = b"x" * (2 * 1024 * 1024)
    request_id = f"statement-{time.monotonic_ns()}"
    headers = {"X-Forwarded-For": "198.51.100.8", "X-Request-ID": request_id}

    response = httpx.post(f"{gateway.url}/v1/payments/statements", content=body, headers=headers)

    # The payments service handled it (401: it requires a token), so the gateway sent no 413.
    assert response.status_code == 401
    assert gateway.log_entry(request_id)["service"] == "payments"


def test_anonymous_client_over_limit_gets_429_problem(gateway: Gateway) -> None:
    accepted, limited = 0, None
    for _ in range(150):
        response = gateway.get("/v1/payments/health", "203.0.113.10")
        if response.status_code == 429:
            limited = response
            break
        accepted += 1

    assert limited is not None
    # 1 request at the 100/min rate plus a burst of 50, and a few refilled meanwhile.
    assert accepted >= 51
    assert limited.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    assert limited.headers["retry-after"] == "60"
    assert limited.headers["content-language"] == "es-MX"
    assert GENERATED_REQUEST_ID.match(limited.headers["x-request-id"])
    assert limited.json()["type"] == "urn:cuenty:problem:too_many_requests"
    assert limited.json()["title"] == "Demasiadas solicitudes"
    assert limited.json()["status"] == 429
    assert limited.json()["code"] == "too_many_requests"


def test_client_with_credentials_gets_higher_limit(gateway: Gateway) -> None:
    headers = {"Authorization": "Bearer not-checked-by-health"}

    statuses = {
        gateway.get("/v1/payments/health", "203.0.113.20", headers=headers).status_code
        for _ in range(80)
    }

    assert statuses == {200}


def test_eleventh_concurrent_request_gets_429(gateway: Gateway) -> None:
    echo = gateway.echo
    assert echo is not None
    with ThreadPoolExecutor(max_workers=10) as pool:
        held_responses = [
            pool.submit(gateway.get, f"/v1/chatwoot/held/{index}", "203.0.113.30")
            for index in range(10)
        ]
        deadline = time.monotonic() + 10
        while echo.held_requests < 10 and time.monotonic() < deadline:
            time.sleep(0.05)

        extra = gateway.get("/v1/chatwoot/echo", "203.0.113.30")
        other_client = gateway.get("/v1/chatwoot/echo", "203.0.113.31")
        echo.release.set()
        held_statuses = [future.result().status_code for future in held_responses]

    assert echo.held_requests == 10
    assert extra.status_code == 429
    assert extra.json()["code"] == "too_many_requests"
    assert other_client.status_code == 200
    assert held_statuses == [200] * 10


def test_request_id_generated_and_forwarded(gateway: Gateway) -> None:
    response = gateway.get("/v1/chatwoot/echo", "198.51.100.9")

    request_id = response.headers["x-request-id"]
    assert GENERATED_REQUEST_ID.match(request_id)
    assert response.json()["headers"]["x-request-id"] == request_id
    assert gateway.log_entry(request_id)["service"] == "chatwoot"


def test_valid_client_request_id_is_kept(gateway: Gateway) -> None:
    response = gateway.get(
        "/v1/chatwoot/echo", "198.51.100.9", headers={"X-Request-ID": "client-id-12345"}
    )

    assert response.headers["x-request-id"] == "client-id-12345"
    assert response.json()["headers"]["x-request-id"] == "client-id-12345"


def test_malformed_client_request_id_is_replaced(gateway: Gateway) -> None:
    response = gateway.get(
        "/v1/chatwoot/echo", "198.51.100.9", headers={"X-Request-ID": "bad id {injected}"}
    )

    assert GENERATED_REQUEST_ID.match(response.headers["x-request-id"])


def test_service_response_has_one_request_id(gateway: Gateway) -> None:
    response = gateway.get("/v1/payments/health", "198.51.100.10")

    assert len(response.headers.get_list("x-request-id")) == 1


def test_forwarded_headers_from_trusted_proxy_are_used(gateway: Gateway) -> None:
    response = gateway.get(
        "/v1/chatwoot/echo", "198.51.100.11", headers={"X-Forwarded-Proto": "https"}
    )

    assert response.json()["headers"]["x-forwarded-for"] == "198.51.100.11"
    assert response.json()["headers"]["x-forwarded-proto"] == "https"


def test_forwarded_headers_from_client_are_replaced(gateway: Gateway) -> None:
    # 127.0.0.2 is a loopback address that is not in trusted-proxies.conf.
    transport = httpx.HTTPTransport(local_address="127.0.0.2")
    headers = {"X-Forwarded-For": "203.0.113.99", "X-Forwarded-Proto": "https"}
    with httpx.Client(transport=transport) as client:
        response = client.get(f"{gateway.url}/v1/chatwoot/echo", headers=headers)

    assert response.json()["headers"]["x-forwarded-for"] == "127.0.0.2"
    assert response.json()["headers"]["x-forwarded-proto"] == "http"


def test_client_verify_header_from_client_is_dropped(gateway: Gateway) -> None:
    response = gateway.get(
        "/v1/chatwoot/echo", "198.51.100.12", headers={"X-SSL-Client-Verify": "SUCCESS"}
    )

    assert "x-ssl-client-verify" not in response.json()["headers"]


def test_client_certificate_verified_over_tls(gateway: Gateway) -> None:
    context = gateway.tls_context(with_client_certificate=True)
    headers = {"X-SSL-Client-Verify": "FORGED"}

    response = httpx.get(f"{gateway.https_url}/v1/chatwoot/echo", verify=context, headers=headers)

    assert response.json()["headers"]["x-ssl-client-verify"] == "SUCCESS"
    assert response.json()["headers"]["x-forwarded-proto"] == "https"


def test_tls_without_client_certificate(gateway: Gateway) -> None:
    context = gateway.tls_context(with_client_certificate=False)
    headers = {"X-SSL-Client-Verify": "SUCCESS"}

    response = httpx.get(f"{gateway.https_url}/v1/chatwoot/echo", verify=context, headers=headers)

    assert response.json()["headers"]["x-ssl-client-verify"] == "NONE"
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_security_headers_on_responses(gateway: Gateway) -> None:
    response = gateway.get("/v1/payments/health", "198.51.100.13")

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in response.headers


def test_access_log_is_json_with_fields(gateway: Gateway) -> None:
    request_id = f"log-fields-{time.monotonic_ns()}"
    gateway.get("/v1/payments/health", "198.51.100.14", headers={"X-Request-ID": request_id})

    entry = gateway.log_entry(request_id)

    assert entry["remote_addr"] == "198.51.100.14"
    assert entry["method"] == "GET"
    assert entry["uri"] == "/v1/payments/health"
    assert entry["status"] == 200
    assert isinstance(entry["responseTime"], float)
    assert entry["service"] == "payments"
    assert "time" in entry


def test_killed_replica_is_skipped(gateway: Gateway) -> None:
    payments = gateway.service_ports["payments"]
    first_ids = [f"before-kill-{index}-{time.monotonic_ns()}" for index in range(6)]
    for request_id in first_ids:
        gateway.get("/v1/payments/health", "198.51.100.15", headers={"X-Request-ID": request_id})
    used = set().union(*(_upstream_ports(gateway.log_entry(rid)) for rid in first_ids))

    stop(gateway.processes[payments[1]])
    statuses = [gateway.get("/v1/payments/health", "198.51.100.15").status_code for _ in range(10)]

    assert used == set(payments)
    assert statuses == [200] * 10
