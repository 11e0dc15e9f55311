"""State changes, credential rotation and the stock summary of inventory accounts."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from cuenty.inventory.vault import read_credentials
from tests.inventory.support import (
    NETFLIX_LOGIN,
    add_account,
    add_pending_subscriptions,
    create_service,
    set_profile_states,
    stock_events,
)


async def _change(
    client: httpx.AsyncClient, headers: dict[str, str], account_id: str, state: str
) -> httpx.Response:
    return await client.post(
        f"/v1/inventory/accounts/{account_id}/state", json={"state": state}, headers=headers
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (["maintenance", "available"], ["maintenance", "available"]),
        (["blocked", "maintenance", "retired"], ["blocked", "maintenance", "retired"]),
        (["blocked", "available"], ["blocked", "available"]),
    ],
)
async def test_allowed_state_changes(
    app: FastAPI,
    client: httpx.AsyncClient,
    operations: dict[str, str],
    path: list[str],
    expected: list[str],
) -> None:
    account = await add_account(client, operations, await create_service(app))

    states = []
    for state in path:
        response = await _change(client, operations, account["id"], state)
        assert response.status_code == 200, response.text
        states.append(response.json()["state"])

    assert states == expected


async def test_illegal_state_changes_are_conflicts(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    account = await add_account(client, operations, await create_service(app))

    same = await _change(client, operations, account["id"], "available")
    await _change(client, operations, account["id"], "retired")
    revived = await _change(client, operations, account["id"], "available")
    assigned = await _change(client, operations, account["id"], "assigned")

    assert same.status_code == 409
    assert same.json()["code"] == "illegal_state_change"
    assert same.json()["currentState"] == "available"
    assert revived.status_code == 409
    assert revived.json()["currentState"] == "retired"
    assert assigned.status_code == 422


@pytest.mark.parametrize("requested", ["maintenance", "blocked", "retired"])
async def test_account_in_use_cannot_leave_stock(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str], requested: str
) -> None:
    account = await add_account(
        client, operations, await create_service(app, profiles_per_account=3)
    )
    await set_profile_states(app, account["id"], ["assigned", "assigned", "available"])

    response = await _change(
        client, {**operations, "Accept-Language": "en"}, account["id"], requested
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "account_in_use"
    assert body["currentState"] == "available"
    assert body["activeAssignments"] == 2
    assert "2 assigned profile(s)" in body["detail"]


async def test_available_needs_rotation_of_maintenance_profiles(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    account = await add_account(
        client, operations, await create_service(app, profiles_per_account=2)
    )
    await _change(client, operations, account["id"], "maintenance")
    await set_profile_states(app, account["id"], ["maintenance", "available"])

    response = await _change(client, operations, account["id"], "available")

    assert response.status_code == 409
    assert response.json()["code"] == "profiles_in_maintenance"


async def test_back_to_available_publishes_stock(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    service_id = await create_service(app)
    account = await add_account(client, operations, service_id)
    await _change(client, operations, account["id"], "blocked")
    await _change(client, operations, account["id"], "available")

    events = await stock_events(app)

    assert events == [{"serviceId": str(service_id)}, {"serviceId": str(service_id)}]


async def test_rotation_returns_maintenance_profiles_to_stock(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    service_id = await create_service(app, profiles_per_account=3)
    account = await add_account(
        client,
        operations,
        service_id,
        profiles=[
            {"name": "Ana", "pin": "1111"},
            {"name": "Beto", "pin": "2222"},
            {"name": "Caro"},
        ],
    )
    profile_ids = [profile["id"] for profile in account["profiles"]]
    await set_profile_states(app, account["id"], ["maintenance", "maintenance", "assigned"])
    await _change(client, operations, account["id"], "maintenance")
    before = len(await stock_events(app))

    response = await client.post(
        f"/v1/inventory/accounts/{account['id']}/rotate",
        json={"password": "Nueva-Clave-2027", "profiles": [{"id": profile_ids[0], "pin": "9090"}]},
        headers=operations,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert [profile["state"] for profile in body["profiles"]] == [
        "available",
        "maintenance",
        "assigned",
    ]
    assert body["freeProfiles"] == 1
    assert body["state"] == "available"
    assert len(await stock_events(app)) == before + 1
    async with app.state.session_factory() as session:
        master_key = app.state.settings.secret("encryption_key")
        credentials = await read_credentials(
            session, master_key, uuid.UUID(account["id"]), uuid.UUID(profile_ids[0])
        )
        untouched = await read_credentials(
            session, master_key, uuid.UUID(account["id"]), uuid.UUID(profile_ids[1])
        )
    assert credentials.password == "Nueva-Clave-2027"
    assert credentials.login == NETFLIX_LOGIN
    assert credentials.pin == "9090"
    assert untouched.pin == "2222"


async def test_rotation_without_pins_frees_pinless_profiles(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    account = await add_account(client, operations, await create_service(app, "Spotify", 1))
    await set_profile_states(app, account["id"], ["maintenance"])
    await _change(client, operations, account["id"], "maintenance")

    response = await client.post(
        f"/v1/inventory/accounts/{account['id']}/rotate",
        json={"password": "Otra-Clave-55"},
        headers=operations,
    )

    assert response.status_code == 200, response.text
    assert response.json()["state"] == "available"
    assert response.json()["freeProfiles"] == 1


async def test_rotation_rejects_bad_requests(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    service_id = await create_service(app)
    account = await add_account(client, operations, service_id)
    other = await add_account(client, operations, service_id, "otra@cuenty.mx")
    url = f"/v1/inventory/accounts/{account['id']}/rotate"

    empty = await client.post(url, json={}, headers=operations)
    foreign = await client.post(
        url, json={"profiles": [{"id": other["profiles"][0]["id"]}]}, headers=operations
    )
    await _change(client, operations, account["id"], "retired")
    retired = await client.post(url, json={"password": "x"}, headers=operations)

    assert empty.status_code == 422
    assert empty.json()["errors"][0]["code"] == "nothing_to_rotate"
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["pointer"] == "#/profiles/0/id"
    assert retired.status_code == 409
    assert retired.json()["code"] == "account_retired"


async def test_stock_summary_counts_units(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    netflix = await create_service(app, profiles_per_account=4)
    spotify = await create_service(app, "Spotify", 1)
    await add_account(client, operations, netflix, "uno@cuenty.mx")
    shared = await add_account(client, operations, netflix, "dos@cuenty.mx")
    blocked = await add_account(client, operations, netflix, "tres@cuenty.mx")
    await set_profile_states(app, shared["id"], ["assigned", "assigned", "available", "available"])
    await _change(client, operations, blocked["id"], "blocked")
    await add_pending_subscriptions(app, spotify, "operaciones@cuenty.mx", 2)

    response = await client.get("/v1/inventory/stock", headers=operations)

    assert response.status_code == 200
    body = response.json()
    by_name = {service["serviceName"]: service for service in body["services"]}
    assert body["threshold"] == 3
    assert by_name["Netflix"]["accounts"] == {
        "available": 2,
        "assigned": 0,
        "maintenance": 0,
        "blocked": 1,
        "retired": 0,
    }
    assert by_name["Netflix"]["freeProfiles"] == 6
    assert by_name["Netflix"]["freeAccounts"] == 1
    assert by_name["Netflix"]["lowStock"] is False
    assert by_name["Spotify"]["freeProfiles"] == 0
    assert by_name["Spotify"]["waiting"] == 2
    assert by_name["Spotify"]["lowStock"] is True
