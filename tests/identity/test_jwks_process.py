"""A token issued by the auth service verifies in another process that only has its JWKS."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from cuenty.app import create_app
from cuenty.kit import migrate
from cuenty.kit.db import create_engine
from tests.conftest import client_for, make_settings
from tests.identity.helpers import PASSWORD


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def auth_service(tmp_path: Path) -> Iterator[str]:
    """Run the auth service alone in a uvicorn process on a free loopback port."""
    port = _free_port()
    env = {
        **os.environ,
        "CUENTY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/auth.db",
        "CUENTY_LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "-m", "cuenty.cli.main", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
    )
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-m",
            "cuenty.cli.main",
            "serve",
            "--service",
            "auth",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(100):
        if process.poll() is not None:
            raise RuntimeError("the auth service exited before answering")
        try:
            if httpx.get(f"{base}/health", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the auth service did not answer within 10 seconds")


@pytest.fixture
async def payments_service(tmp_path: Path, auth_service: str) -> AsyncIterator[httpx.AsyncClient]:
    url = f"sqlite+aiosqlite:///{tmp_path}/payments.db"
    engine = create_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()
    settings = make_settings(
        database_url=url,
        jwks_url=f"{auth_service}/v1/auth/.well-known/jwks.json",
    )
    app = create_app(settings, services=["payments", "auth"])
    async with app.router.lifespan_context(app), client_for(app) as client:
        yield client


async def test_token_verifies_in_process_with_only_jwks(
    auth_service: str, payments_service: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=auth_service) as auth:
        registered = await auth.post(
            "/v1/auth/register",
            json={"name": "Ana", "email": "ana@example.com", "password": PASSWORD},
        )
    token = registered.json()["tokens"]["accessToken"]
    # The second app has no signing key and an empty database: only the fetched JWKS can
    # verify this token. Listing API keys needs a valid principal but no user row.
    response = await payments_service.get(
        "/v1/api-keys", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.json() == []


async def test_forged_token_fails_in_process_with_only_jwks(
    payments_service: httpx.AsyncClient,
) -> None:
    response = await payments_service.get("/v1/api-keys", headers={"Authorization": "Bearer x.y.z"})
    assert response.status_code == 401
