"""Run the shipped NGINX gateway of deploy/nginx on 127.0.0.1 for tests; root is not needed.

`render_gateway_config` copies the configuration to a folder and rewrites its absolute
paths, listen ports and upstream servers; the other helpers start and stop processes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

REPOSITORY = Path(__file__).resolve().parents[2]
SHIPPED_CONFIG = REPOSITORY / "deploy" / "nginx"
INSTALLED_CONFIG = "/etc/nginx/cuenty"
STARTUP_TIMEOUT_SECONDS = 45.0
_UPSTREAM_BLOCK = re.compile(r"(upstream cuenty_(\w+) \{\n)(.*?)(\n\})", re.DOTALL)
_SERVER_LINE = re.compile(r"^(\s*)server \S+:\d+( [^;]*)?;$", re.MULTILINE)


@dataclass(frozen=True)
class GatewayPorts:
    http: int
    https: int
    status: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def render_gateway_config(
    folder: Path,
    *,
    ports: GatewayPorts,
    upstreams: Mapping[str, Sequence[str]],
    unused_address: str,
) -> Path:
    """Copy deploy/nginx into `folder`/cuenty, rewritten to run there, and return nginx.conf.

    `upstreams` maps a pool name (auth, payments, ..., docs) to "127.0.0.1:port" addresses;
    every other pool gets `unused_address`, where nothing listens. Certificates are read
    from `folder`/tls, logs and the pid file are written to `folder`.
    """
    target = folder / "cuenty"
    shutil.copytree(SHIPPED_CONFIG, target)
    replacements = {
        INSTALLED_CONFIG: str(target),
        "/etc/nginx/tls": str(folder / "tls"),
        "/dev/stdout": str(folder / "access.log"),
        "/dev/stderr": str(folder / "error.log"),
        "/run/nginx.pid": str(folder / "nginx.pid"),
        "listen 80 default_server": f"listen 127.0.0.1:{ports.http} default_server",
        "listen 443 ssl": f"listen 127.0.0.1:{ports.https} ssl",
        "listen 8080;": f"listen 127.0.0.1:{ports.status};",
    }
    for path in target.rglob("*.conf"):
        text = path.read_text()
        for old, new in replacements.items():
            text = text.replace(old, new)
        if path.name == "upstreams.conf":
            text = _rewrite_upstreams(text, upstreams, unused_address)
        if path.name == "nginx.conf":
            text = text.replace("http {\n", "http {\n" + _temp_paths(folder), 1)
        path.write_text(text)
    return target / "nginx.conf"


def _rewrite_upstreams(text: str, upstreams: Mapping[str, Sequence[str]], unused: str) -> str:
    def rewrite_block(block: re.Match[str]) -> str:
        addresses = upstreams.get(block.group(2), [unused])

        def servers(line: re.Match[str]) -> str:
            indent, parameters = line.group(1), line.group(2) or ""
            return "\n".join(f"{indent}server {address}{parameters};" for address in addresses)

        body = _SERVER_LINE.sub(servers, block.group(3), count=1)
        return block.group(1) + body + block.group(4)

    return _UPSTREAM_BLOCK.sub(rewrite_block, text)


def _temp_paths(folder: Path) -> str:
    # Debian's build puts these under /var/lib/nginx, which only root may write.
    names = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    return "".join(f"    {name}_temp_path {folder / name};\n" for name in names)


def nginx_command(config: Path, *arguments: str) -> list[str]:
    folder = config.parent.parent
    return [
        "nginx",
        "-p",
        str(folder),
        "-e",
        str(folder / "error.log"),
        "-c",
        str(config),
        *arguments,
    ]


def make_certificates(folder: Path) -> dict[str, Path]:
    """Create a server certificate for 127.0.0.1, a client CA and a client certificate."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        name: folder / name
        for name in (
            "cuenty.crt",
            "cuenty.key",
            "stp-client-ca.crt",
            "ca.key",
            "client.crt",
            "client.key",
            "client.csr",
        )
    }
    ec_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl = ["openssl", "req", "-x509", "-days", "1", *ec_key]
    _run(
        [
            *openssl,
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            files["cuenty.key"],
            "-out",
            files["cuenty.crt"],
        ]
    )
    _run(
        [
            *openssl,
            "-subj",
            "/CN=Test STP client CA",
            "-keyout",
            files["ca.key"],
            "-out",
            files["stp-client-ca.crt"],
        ]
    )
    _run(
        [
            "openssl",
            "req",
            *ec_key,
            "-subj",
            "/CN=stp-test-client",
            "-keyout",
            files["client.key"],
            "-out",
            files["client.csr"],
        ]
    )
    _run(
        [
            "openssl",
            "x509",
            "-req",
            "-days",
            "1",
            "-in",
            files["client.csr"],
            "-CA",
            files["stp-client-ca.crt"],
            "-CAkey",
            files["ca.key"],
            "-CAcreateserial",
            "-out",
            files["client.crt"],
        ]
    )
    return files


def _run(command: list[object]) -> None:
    subprocess.run([str(part) for part in command], check=True, capture_output=True, timeout=30)


def start_service(
    name: str, port: int, environment: Mapping[str, str], log: Path
) -> subprocess.Popen[bytes]:
    """Start `cuenty serve --service NAME` (every service when `name` is "docs")."""
    cuenty = Path(sys.executable).parent / "cuenty"
    command = [str(cuenty), "serve", "--port", str(port)]
    if name != "docs":
        command += ["--service", name]
    with log.open("wb") as output:
        return subprocess.Popen(
            command, env=dict(environment), stdout=output, stderr=subprocess.STDOUT
        )


def wait_until_answering(
    url: str, process: subprocess.Popen[bytes], log: Path, **client_options: object
) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{process.args} exited with {process.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            if httpx.get(url, timeout=1, **client_options).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"{url} did not answer within {STARTUP_TIMEOUT_SECONDS} s:\n{log.read_text()[-3000:]}"
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process this module started, by its PID."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def read_access_log(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class _EchoHandler(BaseHTTPRequestHandler):
    """Return the request's method, path and headers as JSON (a stand-in upstream)."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path.startswith("/v1/chatwoot/held"):
            self._hold()
        body = json.dumps(
            {
                "method": self.command,
                "path": self.path,
                "headers": {name.lower(): value for name, value in self.headers.items()},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _hold(self) -> None:
        """Keep the request open until the test sets `release` (at most 10 s)."""
        server = self.server
        assert isinstance(server, EchoServer)
        with server.lock:
            server.held_requests += 1
        server.release.wait(timeout=10)

    def log_message(self, format: str, *args: object) -> None:
        return


class EchoServer(ThreadingHTTPServer):
    """Upstream that echoes each request as JSON.

    Requests to /v1/chatwoot/held* wait for `release`; `held_requests` counts them.
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _EchoHandler)
        self.lock = threading.Lock()
        self.held_requests = 0
        self.release = threading.Event()


def start_echo_server() -> EchoServer:
    server = EchoServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
