"""The SSRF guard: private, loopback, link-local, multicast and reserved targets are rejected
by looking at addresses only, before any connection is made.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cuenty.webhooks import delivery
from cuenty.webhooks.targets import TargetRejectedError, check_address, parse_url, resolve_target
from tests.webhooks.support import PUBLIC_TEST_ADDRESS, FakeResolver, local_settings

BLOCKED_URLS = [
    "http://127.0.0.1/hook",
    "http://10.0.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:8080/hook",
    "https://192.168.1.20/hook",
    "http://172.16.5.4/hook",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://224.0.0.1/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[fc00::1]/hook",
    "http://[fe80::1]/hook",
]


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail the test if httpx tries to send anything."""
    attempts: list[str] = []

    async def refuse(self: httpx.AsyncClient, request: httpx.Request, **_: Any) -> httpx.Response:
        attempts.append(str(request.url))
        raise AssertionError(f"a request was sent to {request.url}")

    monkeypatch.setattr(httpx.AsyncClient, "send", refuse)
    return attempts


@pytest.mark.parametrize("url", BLOCKED_URLS)
async def test_private_literal_is_rejected(url: str, no_connections: list[str]) -> None:
    resolver = FakeResolver()
    with pytest.raises(TargetRejectedError) as raised:
        await resolve_target(url, allow_private=False, resolver=resolver)
    assert raised.value.reason == "address_not_public"
    assert resolver.asked == []


@pytest.mark.parametrize("url", BLOCKED_URLS[:4])
async def test_delivery_to_private_sends_nothing(url: str, no_connections: list[str]) -> None:
    result = await delivery.send(
        url,
        message_id="evt_1",
        body="{}",
        secrets=["whsec_" + "A" * 43],
        settings=local_settings(allow_private_targets=False),
        resolver=FakeResolver(),
    )
    assert result.succeeded is False
    assert result.status_code is None
    assert "not a public address" in (result.error or "")
    assert no_connections == []


async def test_name_resolving_to_private_is_rejected(no_connections: list[str]) -> None:
    resolver = FakeResolver({"internal.example.mx": [PUBLIC_TEST_ADDRESS, "10.1.2.3"]})
    with pytest.raises(TargetRejectedError, match=r"10\.1\.2\.3"):
        await resolve_target(
            "https://internal.example.mx/x", allow_private=False, resolver=resolver
        )


async def test_localhost_is_rejected_by_system_resolver(no_connections: list[str]) -> None:
    # "localhost" is answered from /etc/hosts, without a DNS query.
    with pytest.raises(TargetRejectedError) as raised:
        await resolve_target("http://localhost:9/hook", allow_private=False)
    assert raised.value.reason == "address_not_public"


async def test_unresolvable_host_is_rejected(no_connections: list[str]) -> None:
    with pytest.raises(TargetRejectedError) as raised:
        await resolve_target(
            "https://no-such-host.mx/", allow_private=False, resolver=FakeResolver()
        )
    assert raised.value.reason == "host_unresolvable"


async def test_public_target_keeps_host_and_pins_address() -> None:
    target = await resolve_target(
        "https://hooks.integrador.mx/cuenty?x=1", allow_private=False, resolver=FakeResolver()
    )
    assert target.address == PUBLIC_TEST_ADDRESS
    assert target.connect_url == f"https://{PUBLIC_TEST_ADDRESS}:443/cuenty?x=1"
    assert target.host_header == "hooks.integrador.mx"


async def test_private_allowed_by_development_setting() -> None:
    target = await resolve_target("http://127.0.0.1:8081/h", allow_private=True)
    assert target.connect_url == "http://127.0.0.1:8081/h"
    assert target.host_header == "127.0.0.1:8081"


@pytest.mark.parametrize(
    "address",
    ["169.254.169.254", "fe80::1", "0.0.0.0", "224.0.0.1", "::ffff:169.254.169.254"],  # noqa: S104
)
def test_development_setting_keeps_metadata_closed(address: str) -> None:
    with pytest.raises(TargetRejectedError):
        check_address(address, allow_private=True)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://hooks.integrador.mx/x", "url_scheme"),
        ("hooks.integrador.mx/x", "url_scheme"),
        ("https:///path-only", "url_host"),
        ("https://user:pass@hooks.integrador.mx/x", "url_credentials"),
        ("https://hooks.integrador.mx/x#frag", "url_fragment"),
        ("https://hooks.integrador.mx:99999/x", "url_port"),
        ("https://hooks.integrador.mx/" + "a" * 2100, "url_too_long"),
    ],
)
def test_malformed_url_is_rejected(url: str, reason: str) -> None:
    with pytest.raises(TargetRejectedError) as raised:
        parse_url(url)
    assert raised.value.reason == reason
