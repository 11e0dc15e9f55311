"""Resident memory of one API worker with every service loaded, beside a bare FastAPI app
served by the same uvicorn, both measured after the same warm-up requests.

Run: .venv/bin/python bench/worker_rss.py [--requests 300]
Starts both servers on free 127.0.0.1 ports with a throwaway SQLite database and stops them.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

BARE_APP = """
from fastapi import FastAPI
app = FastAPI()
@app.get("/health")
async def health():
    return {"status": "ok"}
"""
PATHS = (
    "/health",
    "/ready",
    "/openapi.json",
    "/v1/auth/.well-known/jwks.json",
    "/v1/nothing",
    "/console/entrar",
    "/cuenta/entrar",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found")


def wait_up(base: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not answer within 20 seconds")


def measure(
    command: list[str], env: dict[str, str], requests: int, paths: tuple[str, ...]
) -> float:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [*command, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_up(base, process)
        with httpx.Client(base_url=base) as client:
            for index in range(requests):
                client.get(paths[index % len(paths)])
        return rss_mib(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main(requests: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "CUENTY_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/rss.db",
            "CUENTY_LOG_LEVEL": "WARNING",
            "CUENTY_RATE_LIMIT_ENABLED": "false",
            "PYTHONPATH": folder,
        }
        subprocess.run(
            [sys.executable, "-m", "cuenty.cli.main", "db", "upgrade"],
            env=env,
            check=True,
            capture_output=True,
        )
        Path(folder, "bare_app.py").write_text(BARE_APP, encoding="utf-8")
        bare = measure(
            [sys.executable, "-m", "uvicorn", "bare_app:app", "--host", "127.0.0.1"],
            env,
            requests,
            ("/health",),
        )
        cuenty = measure([sys.executable, "-m", "cuenty.cli.main", "serve"], env, requests, PATHS)
    print("| process | RSS (MiB) | ratio to bare FastAPI |\n| --- | ---: | ---: |")
    print(f"| bare FastAPI app under uvicorn (ceiling) | {bare:.0f} | 1.00 |")
    print(f"| CUENTY, every service loaded | {cuenty:.0f} | {cuenty / bare:.2f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300, help="warm-up requests per server")
    main(parser.parse_args().requests)
