"""Seed data for the load test, written through the gateway as a client would.

The demo catalog, stock and staff come from `cuenty demo load`. Customers sign up with a
password, and the customer of the `ab` run gets two active subscriptions.

`write_lua_plan` hands the result to the wrk scripts as a Lua table.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from bench.load.stack import Stack, run_cli

from cuenty.config import DEMO_SECRETS

PASSWORD = "Girasol-Azul-2026"
OPERATIONS_EMAIL = "operaciones@cuenty.mx"
# Postal codes of Mexico City, Jalisco, Nuevo León, Puebla and Yucatán, so the customers
# spread over several states as the dashboard groups them.
POSTAL_CODES = ("06700", "44100", "64000", "72000", "97000")
SUBSCRIPTION_WAIT_SECONDS = 60.0
# Steps of the mix (bench/load/mix.lua) that run only when their route exists.
ANALYTICS_ROUTES = {
    "event": ("post", "/v1/analytics/events"),
    "dashboard": ("get", "/v1/analytics/dashboard"),
}


@dataclass
class Customer:
    email: str
    user_id: str
    token: str


@dataclass
class Plan:
    """Everything the load scenarios need to know about the seeded data."""

    customers: list[Customer]
    operations_token: str
    plan_ids: list[str]
    analytics_routes: dict[str, bool]
    subscriptions_of_first_customer: int
    notes: list[str] = field(default_factory=list)


def seed(stack: Stack, customers: int) -> Plan:
    run_cli(["demo", "load"], stack.environment)
    with httpx.Client(base_url=stack.url, timeout=30) as client:
        people = [_sign_up(client, number) for number in range(1, customers + 1)]
        operations = _login(client, OPERATIONS_EMAIL, DEMO_SECRETS["demo_admin_password"])
        plans = _plans(client)
        routes = probe_analytics_routes(client)
        subscriptions = _subscribe(client, people[0], operations, plans)
    notes = []
    if subscriptions < 2:
        notes.append(
            f"the first customer had {subscriptions} active subscription(s) instead of 2 "
            f"after {SUBSCRIPTION_WAIT_SECONDS:.0f} s (is the job worker running?)"
        )
    return Plan(
        customers=people,
        operations_token=operations,
        plan_ids=[plan["id"] for plan in plans],
        analytics_routes=routes,
        subscriptions_of_first_customer=subscriptions,
        notes=notes,
    )


def probe_analytics_routes(client: httpx.Client) -> dict[str, bool]:
    """Return which analytics steps of the mix have a route in the combined OpenAPI document."""
    response = client.get("/openapi.json")
    response.raise_for_status()
    paths: dict[str, Any] = response.json()["paths"]
    return {
        step: method in paths.get(path, {}) for step, (method, path) in ANALYTICS_ROUTES.items()
    }


def _sign_up(client: httpx.Client, number: int) -> Customer:
    body = {
        "name": f"Cliente de carga {number:03d}",
        "email": f"carga{number:03d}@example.com",
        "password": PASSWORD,
        "postalCode": POSTAL_CODES[number % len(POSTAL_CODES)],
    }
    result = _expect(client.post("/v1/auth/register", json=body), 201)
    return Customer(body["email"], result["user"]["id"], result["tokens"]["accessToken"])


def _login(client: httpx.Client, email: str, password: str) -> str:
    result = _expect(
        client.post("/v1/auth/login", json={"email": email, "password": password}), 200
    )
    return str(result["accessToken"])


def _plans(client: httpx.Client) -> list[dict[str, Any]]:
    services = _expect(client.get("/v1/catalog/services"), 200)
    return [plan for service in services for plan in service["plans"] if plan["active"]]


def _subscribe(
    client: httpx.Client, customer: Customer, operations: str, plans: list[dict[str, Any]]
) -> int:
    """Order two plans as `customer` and confirm both payments as operations staff.

    Then wait for the job worker to deliver them, and return how many subscriptions the
    customer has."""
    customer_headers = {"Authorization": f"Bearer {customer.token}"}
    staff_headers = {"Authorization": f"Bearer {operations}"}
    for plan in plans[:2]:
        order = _expect(
            client.post(
                "/v1/orders", json={"items": [{"planId": plan["id"]}]}, headers=customer_headers
            ),
            201,
        )
        _expect(
            client.post(
                f"/v1/orders/{order['id']}/confirm-payment",
                json={"reason": "Depósito de prueba de carga"},
                headers=staff_headers,
            ),
            200,
        )
    deadline = time.monotonic() + SUBSCRIPTION_WAIT_SECONDS
    count = 0
    while time.monotonic() < deadline:
        page = _expect(client.get("/v1/subscriptions", headers=customer_headers), 200)
        count = len(page["items"])
        if count >= 2:
            break
        time.sleep(1)
    return count


def _expect(response: httpx.Response, status: int) -> Any:
    if response.status_code != status:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path} returned "
            f"{response.status_code}, expected {status}: {response.text[:500]}"
        )
    return response.json()


def write_lua_plan(plan: Plan, weights: dict[str, int], path: Path) -> None:
    """Write the data the wrk mix reads: customers, plan ids, staff token, weights, dates."""
    today = date.today()
    lines = ["return {", "  customers = {"]
    for customer in plan.customers:
        lines.append(
            f"    {{email = {_lua(customer.email)}, password = {_lua(PASSWORD)}, "
            f"user_id = {_lua(customer.user_id)}, token = {_lua(customer.token)}}},"
        )
    lines.append("  },")
    lines.append("  plan_ids = {" + ", ".join(_lua(plan_id) for plan_id in plan.plan_ids) + "},")
    lines.append(f"  operations_token = {_lua(plan.operations_token)},")
    lines.append(f"  start_date = {_lua((today - timedelta(days=30)).isoformat())},")
    lines.append(f"  end_date = {_lua(today.isoformat())},")
    lines.append("  weights = {")
    for step, weight in weights.items():
        lines.append(f"    {{name = {_lua(step)}, weight = {weight}}},")
    lines.append("  },")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n")


def _lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
