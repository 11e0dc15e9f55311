"""Target URLs of webhooks, and the guard that keeps them off internal networks (SSRF).

A URL must be http(s) without credentials, and every address its host resolves to must be a
public one. The check runs when an endpoint is saved and again before each attempt, and the
attempt connects to the address that was checked, so a DNS answer that changes in between
(DNS rebinding) cannot redirect it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from cuenty.kit.i18n import N_

MAX_URL_LENGTH = 2048
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# Returns the IP addresses a host name resolves to, as text.
Resolver = Callable[[str, int], Awaitable[list[str]]]


class TargetRejectedError(ValueError):
    """Raised for a URL that cannot receive webhooks; `reason` is a stable code, `message` a
    message id with `params`."""

    def __init__(self, reason: str, message: str, **params: str) -> None:
        super().__init__(message.format(**params) if params else message)
        self.reason = reason
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Target:
    """A checked URL and the address to connect to."""

    url: str
    scheme: str
    host: str
    port: int
    address: str

    @property
    def connect_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        parts = urlsplit(self.url)
        address = f"[{self.address}]" if ":" in self.address else self.address
        netloc = f"{address}:{self.port}"
        return SplitResult(parts.scheme, netloc, parts.path or "/", parts.query, "").geturl()

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the operating system (getaddrinfo), without blocking the event loop."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_url(url: str) -> SplitResult:
    """Check the URL's form (no network access) and return its parts."""
    if len(url) > MAX_URL_LENGTH:
        raise TargetRejectedError(
            "url_too_long",
            N_("The URL is longer than {limit} characters."),
            limit=str(MAX_URL_LENGTH),
        )
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise TargetRejectedError("url_scheme", N_("The URL must start with https:// or http://."))
    if not parts.hostname:
        raise TargetRejectedError("url_host", N_("The URL has no host name."))
    if parts.username is not None or parts.password is not None:
        raise TargetRejectedError(
            "url_credentials",
            N_(
                "The URL must not contain a user name or password; authenticate with the signature."
            ),
        )
    if parts.fragment:
        raise TargetRejectedError("url_fragment", N_("The URL must not contain a #fragment."))
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as error:
        raise TargetRejectedError("url_port", N_("The URL's port is not valid.")) from error
    return parts


async def resolve_target(
    url: str, *, allow_private: bool, resolver: Resolver = system_resolver
) -> Target:
    """Check the URL and every address of its host; return the first address to connect to."""
    parts = parse_url(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    literal = _ip_literal(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = await resolver(host, port)
        except OSError as error:
            raise TargetRejectedError(
                "host_unresolvable", N_("The host {host} could not be resolved."), host=host
            ) from error
    if not addresses:
        raise TargetRejectedError(
            "host_unresolvable", N_("The host {host} could not be resolved."), host=host
        )
    for address in addresses:
        check_address(address, allow_private=allow_private)
    return Target(url=url.strip(), scheme=parts.scheme, host=host, port=port, address=addresses[0])


def check_address(address: str, *, allow_private: bool) -> None:
    """Reject an address that is not a public unicast one, unless private targets are allowed."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_global and not ip.is_multicast:
        return
    # The development switch opens loopback and private ranges for a local receiver, never
    # link-local (cloud metadata services live at 169.254.169.254), multicast or unspecified.
    if (
        allow_private
        and (ip.is_loopback or ip.is_private)
        and not (ip.is_link_local or ip.is_multicast or ip.is_unspecified)
    ):
        return
    raise TargetRejectedError(
        "address_not_public",
        N_("The host resolves to {address}, which is not a public address."),
        address=str(ip),
    )


def _ip_literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
