"""A real browser on real pages: the whole app served by `cuenty serve` in its own process on a
free loopback port, over the test's database, and Debian's Chromium driven by Playwright.

The tests skip, with the reason, when /usr/bin/chromium or the Playwright package is missing;
`.ci/run` installs the Debian package. Playwright's own browser download is never used.
Screenshots of the main pages go to var/test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TestDatabase
from tests.payments.support import PREFIX

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_INSTALLED = CHROMIUM.exists()
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "var" / "test-artifacts" / "screenshots"
# Wait for a page event (a navigation, an element) for at most this long.
STEP_TIMEOUT_MS = 15_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(database: TestDatabase, engine: Any, tmp_path: Path) -> Iterator[str]:
    """Every service in one `cuenty serve` process over the test's database."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("CUENTY_")}
    env.update(
        CUENTY_DATABASE_URL=database.url,
        CUENTY_LOG_LEVEL="WARNING",
        CUENTY_SERVICE_HEARTBEAT_SECONDS="0",
        CUENTY_RATE_LIMIT_ENABLED="false",
        CUENTY_PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        # The collection CLABE prefix of the payments tests, so instructions made by the test's
        # in-process app and the server agree.
        CUENTY_PAYMENTS_CLABE_PREFIX=PREFIX,
    )
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        # The working folder is the test's own, so no developer .env is read.
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "-m", "cuenty.cli.main", "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log_path)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log_path.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not answer within 30 seconds")


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Any]:
    """Debian's Chromium, started once for the session."""
    if not CHROMIUM_INSTALLED:
        pytest.skip(
            "Chromium is not installed at /usr/bin/chromium "
            "(apt-get install chromium chromium-driver; .ci/run does it)"
        )
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (make install-dev installs it)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def page_factory(chromium: Any, live_server: str) -> AsyncIterator[Any]:
    """Open pages in fresh browser contexts (no shared cookies) on the live server."""
    contexts: list[Any] = []
    console_messages: list[str] = []

    async def open_page(*, mobile: bool = False, locale: str = "es-MX") -> Any:
        options: dict[str, Any] = {
            "base_url": live_server,
            "locale": locale,
            "viewport": {"width": 390, "height": 844} if mobile else {"width": 1366, "height": 900},
        }
        context = await chromium.new_context(**options)
        await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        page = await context.new_page()
        # Every confirmation a form shows (data-confirm) is accepted.
        page.on("dialog", lambda dialog: dialog.accept())
        page.on("console", lambda message: console_messages.append(message.text))
        return page

    open_page.console_messages = console_messages  # type: ignore[attr-defined]

    try:
        yield open_page
    finally:
        for context in contexts:
            await context.close()


async def screenshot(page: Any, name: str, database: TestDatabase) -> None:
    """Keep a full-page picture of the page among the test artefacts."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}-{database.dialect}.png"), full_page=True)
