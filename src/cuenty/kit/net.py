"""Client address of a request: `X-Forwarded-For` is believed only from a trusted proxy."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from starlette.requests import HTTPConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def parse_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """Parse addresses and CIDR blocks ("10.0.0.0/8", "127.0.0.1")."""
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def client_ip(connection: HTTPConnection, trusted_proxies: Iterable[str]) -> str:
    """Return the client's address, walking `X-Forwarded-For` back through trusted proxies.

    The rightmost untrusted address is the client: entries to its left were written by the
    client itself and cannot be believed.
    """
    peer = connection.client.host if connection.client else "0.0.0.0"  # noqa: S104
    networks = parse_networks(tuple(trusted_proxies))
    if not _is_trusted(peer, networks):
        return peer
    forwarded = connection.headers.get("x-forwarded-for", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_valid(hop):
            return peer
        if not _is_trusted(hop, networks):
            return hop
    return hops[0] if hops else peer


def is_trusted_proxy(address: str, trusted_proxies: Iterable[str]) -> bool:
    """Return True when the address is, or is inside, one of the trusted proxy entries."""
    return _is_trusted(address, parse_networks(tuple(trusted_proxies)))


def _is_valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)
