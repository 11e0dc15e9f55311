"""Scenario 3: with the production limits, send more than each limit allows from one client
and count the 429 problem+json responses against the count the configuration predicts.

Each check sends its own X-Forwarded-For address (the script connects from 127.0.0.1, a
trusted proxy of the gateway), so the checks' buckets stay apart.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx

PROBLEM_MEDIA_TYPE = "application/problem+json"
# The gateway's anonymous zone: 100 requests a minute per address with a burst of 50 that
# nginx serves at once (deploy/nginx/conf.d/limits.conf, snippets/server-common.conf).
GATEWAY_ANONYMOUS_PER_SECOND = 100 / 60
GATEWAY_ANONYMOUS_BURST = 50


@dataclass
class LimitCheck:
    name: str
    limit: str
    sent: int
    expected_accepted: str
    accepted: int = 0
    limited: int = 0
    other: dict[int, int] = field(default_factory=dict)
    problem_json: int = 0
    retry_after: int = 0
    answered_by: set[str] = field(default_factory=set)
    seconds: float = 0.0

    def record(self, response: httpx.Response) -> None:
        if 200 <= response.status_code < 300:
            self.accepted += 1
            return
        if response.status_code != 429:
            self.other[response.status_code] = self.other.get(response.status_code, 0) + 1
            return
        self.limited += 1
        if response.headers.get("content-type", "").startswith(PROBLEM_MEDIA_TYPE):
            self.problem_json += 1
        if response.headers.get("retry-after"):
            self.retry_after += 1
        # The services add X-RateLimit-* headers to their 429; the gateway's own has none.
        self.answered_by.add("service" if "x-ratelimit-limit" in response.headers else "gateway")


def run_limit_checks(
    url: str, customer_tokens: list[str], customer_emails: list[str], password: str
) -> list[LimitCheck]:
    with httpx.Client(base_url=url, timeout=30) as client:
        return [
            _per_user(client, customer_tokens[0]),
            _anonymous(client),
            _sign_in(client, customer_emails[0], password),
        ]


def _per_user(client: httpx.Client, token: str) -> LimitCheck:
    check = LimitCheck(
        "customer token, GET /v1/subscriptions",
        "service: 100/minute per user",
        sent=150,
        expected_accepted="100",
    )
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": "203.0.113.60"}
    started = time.monotonic()
    for _ in range(check.sent):
        check.record(client.get("/v1/subscriptions", headers=headers))
    check.seconds = time.monotonic() - started
    return check


def _anonymous(client: httpx.Client) -> LimitCheck:
    check = LimitCheck(
        "anonymous visitor, GET /v1/catalog/services",
        "gateway: 100/minute per address, burst 50",
        sent=120,
        expected_accepted="",
    )
    headers = {"X-Forwarded-For": "203.0.113.61"}
    started = time.monotonic()
    for _ in range(check.sent):
        check.record(client.get("/v1/catalog/services", headers=headers))
    check.seconds = time.monotonic() - started
    # One request at the rate, the burst, and what the rate refilled while the check ran.
    refilled = int(check.seconds * GATEWAY_ANONYMOUS_PER_SECOND)
    low = 1 + GATEWAY_ANONYMOUS_BURST
    check.expected_accepted = f"{low} to {low + refilled + 1}"
    return check


def _sign_in(client: httpx.Client, email: str, password: str) -> LimitCheck:
    check = LimitCheck(
        "sign-in with the right password, POST /v1/auth/login",
        "service: 10 per 15 minutes per address and per account",
        sent=15,
        expected_accepted="10",
    )
    headers = {"X-Forwarded-For": "203.0.113.62"}
    body = {"email": email, "password": password}
    started = time.monotonic()
    for _ in range(check.sent):
        check.record(client.post("/v1/auth/login", json=body, headers=headers))
    check.seconds = time.monotonic() - started
    return check
