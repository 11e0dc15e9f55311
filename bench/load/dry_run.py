"""Check the load test's setup without a load.

The gateway configuration must render with the ceiling route, with raised and with shipped
limits, and pass `nginx -t`. The wrk scripts run for one second each against a stub server on
127.0.0.1 and must print their summary.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.load.runs import run_wrk
from bench.load.seed import Customer, Plan, write_lua_plan
from bench.load.stack import add_ceiling_route, raise_gateway_limits
from tests.deploy.gateway_support import (
    GatewayPorts,
    free_port,
    make_certificates,
    nginx_command,
    render_gateway_config,
)

STUB_ORDER_ID = "0b6f3a52-8d1e-4c1a-9f7e-2f4b5c6d7e8f"


def dry_run() -> str:
    """Return one line per check; raise RuntimeError on the first that fails."""
    lines = []
    folder = Path(tempfile.mkdtemp(prefix="cuenty-load-dry-"))
    folder.chmod(0o755)
    try:
        make_certificates(folder / "tls")
        for raised in (True, False):
            lines.append(_check_config(folder, raised=raised))
        lines += _check_scripts(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return "\n".join(lines)


def _check_config(folder: Path, *, raised: bool) -> str:
    config_folder = folder / "cuenty"
    if config_folder.exists():
        shutil.rmtree(config_folder)
    ports = GatewayPorts(http=free_port(), https=free_port(), status=free_port())
    address = f"127.0.0.1:{free_port()}"
    config = render_gateway_config(folder, ports=ports, upstreams={}, unused_address=address)
    add_ceiling_route(config.parent, free_port())
    if raised:
        raise_gateway_limits(config.parent)
    result = subprocess.run(nginx_command(config, "-t"), capture_output=True, text=True, timeout=30)
    limits = "raised" if raised else "shipped"
    if result.returncode != 0:
        raise RuntimeError(f"nginx -t failed with {limits} limits:\n{result.stderr}")
    return f"gateway configuration with {limits} limits and the ceiling route: nginx -t passed"


def _check_scripts(folder: Path) -> list[str]:
    plan = Plan(
        customers=[Customer("carga001@example.com", STUB_ORDER_ID, "token")],
        operations_token="staff-token",
        plan_ids=[STUB_ORDER_ID],
        analytics_routes={"events": True, "dashboard": True},
        subscriptions_of_first_customer=0,
    )
    plan_file = folder / "plan.lua"
    write_lua_plan(
        plan, {"catalog": 1, "event": 1, "order": 1, "login": 1, "dashboard": 1}, plan_file
    )
    server = _StubServer(("127.0.0.1", 0), _StubHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        mix = run_wrk(
            url,
            script="mix.lua",
            connections=2,
            seconds=1,
            environment={"CUENTY_LOAD_PLAN": str(plan_file)},
        )
        ceiling = run_wrk(url + "/ping", script="ceiling.lua", connections=1, seconds=1)
    finally:
        server.shutdown()
        server.server_close()
    missing = {"catalog", "event", "order", "spei", "login", "dashboard"} - set(mix.steps)
    if missing:
        raise RuntimeError(f"the mix sent no request for: {', '.join(sorted(missing))}")
    return [
        f"mix.lua: {mix.requests} requests to a stub, steps {', '.join(sorted(mix.steps))}",
        f"ceiling.lua: {ceiling.requests} requests to a stub",
    ]


class _StubServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # wrk resets its connections when its run ends; that is not an error here.
        return


class _StubHandler(BaseHTTPRequestHandler):
    """Return 201 with an order-shaped body to POST /v1/orders and 200 to everything else."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer(200, {"status": "ok"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        if self.path == "/v1/orders":
            body = {"id": STUB_ORDER_ID, "items": [{"id": "x", "total": 70.0}], "total": 70.0}
            self._answer(201, body)
        else:
            self._answer(200, {"status": "ok"})

    def _answer(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return
