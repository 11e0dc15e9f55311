"""Adding, listing and reading inventory accounts through the API."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from cuenty.inventory.models import AccountProfile, ServiceAccount
from cuenty.inventory.vault import read_credentials
from tests.inventory.support import (
    NETFLIX_LOGIN,
    NETFLIX_PASSWORD,
    add_account,
    create_service,
    stock_events,
)


async def test_add_account_with_default_profiles(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    service_id = await create_service(app, profiles_per_account=4)

    body = await add_account(client, operations, service_id, notes="Pagada con tarjeta 4455")

    assert body["state"] == "available"
    assert body["profileCount"] == 4
    assert body["freeProfiles"] == 4
    assert [profile["name"] for profile in body["profiles"]] == [
        "Perfil 1",
        "Perfil 2",
        "Perfil 3",
        "Perfil 4",
    ]
    assert body["loginHint"] == "ne•••@cuenty.mx"
    assert NETFLIX_LOGIN not in str(body)
    assert NETFLIX_PASSWORD not in str(body)
    assert await stock_events(app) == [{"serviceId": str(service_id)}]


async def test_add_account_with_named_profiles_and_pins(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    service_id = await create_service(app)
    profiles = [{"name": "Ana", "pin": "4821"}, {"name": "Beto"}]

    body = await add_account(
        client, operations, service_id, profiles=profiles, paidUntil="2027-01-31"
    )
    fetched = await client.get(f"/v1/inventory/accounts/{body['id']}", headers=operations)

    assert fetched.status_code == 200
    detail = fetched.json()
    assert [(p["name"], p["hasPin"]) for p in detail["profiles"]] == [
        ("Ana", True),
        ("Beto", False),
    ]
    assert detail["paidUntil"] == "2027-01-31"
    assert "4821" not in fetched.text
    async with app.state.session_factory() as session:
        first = uuid.UUID(detail["profiles"][0]["id"])
        credentials = await read_credentials(
            session, app.state.settings.secret("encryption_key"), uuid.UUID(body["id"]), first
        )
    assert credentials.login == NETFLIX_LOGIN
    assert credentials.password == NETFLIX_PASSWORD
    assert credentials.profile_name == "Ana"
    assert credentials.pin == "4821"
    assert "4821" not in repr(credentials)


async def test_same_login_twice_is_conflict(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    netflix = await create_service(app)
    disney = await create_service(app, "Disney+", 4)
    await add_account(client, operations, netflix)

    again = await client.post(
        "/v1/inventory/accounts",
        json={"serviceId": str(netflix), "login": "  NETFLIX.mx.07@cuenty.mx ", "password": "x"},
        headers=operations,
    )
    await add_account(client, operations, disney)

    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_account"
    assert again.headers["content-type"] == "application/problem+json"


async def test_add_account_rejects_bad_input(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    service_id = await create_service(app, profiles_per_account=2)
    base = {"serviceId": str(service_id), "login": "a@b.mx", "password": "secreto"}
    cases = [
        ({**base, "serviceId": str(uuid.uuid4())}, "#/serviceId", "unknown_service"),
        ({**base, "profileCount": 3}, "#/profileCount", "too_many_profiles"),
        ({**base, "profileCount": 0}, "#/profileCount", "too_few_profiles"),
        (
            {**base, "profiles": [{"name": "A"}], "profileCount": 1},
            "#/profileCount",
            "profiles_and_count",
        ),
        ({**base, "profiles": [{"name": " "}]}, "#/profiles/0/name", "missing"),
        ({**base, "profiles": []}, "#/profiles", "too_few_profiles"),
        (
            {**base, "profiles": [{"name": "A"}, {"name": "a"}]},
            "#/profiles",
            "duplicate_profile_name",
        ),
        ({**base, "password": "   "}, "#/password", "missing"),
        ({**base, "login": " "}, "#/login", "missing"),
        ({**base, "profiles": True}, "#/profiles", "list_type"),
        ({**base, "profileCount": "2"}, "#/profileCount", "int_type"),
        ({**base, "paidUntil": "31/01/2027"}, "#/paidUntil", "date_from_datetime_parsing"),
    ]

    for body, pointer, code in cases:
        response = await client.post(
            "/v1/inventory/accounts", json=body, headers={**operations, "Accept-Language": "en"}
        )
        assert response.status_code == 422, body
        error = response.json()["errors"][0]
        assert error["pointer"] == pointer, body
        assert error["code"] == code, response.text

    async with app.state.session_factory() as session:
        assert (await session.scalars(select(ServiceAccount))).all() == []


async def test_list_filters_and_pages(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    netflix = await create_service(app, profiles_per_account=1)
    spotify = await create_service(app, "Spotify", 1)
    first = await add_account(client, operations, netflix, "uno@cuenty.mx")
    second = await add_account(client, operations, netflix, "dos@cuenty.mx")
    third = await add_account(client, operations, spotify, "tres@cuenty.mx")
    async with app.state.session_factory() as session, session.begin():
        profile = (
            await session.scalars(
                select(AccountProfile).where(AccountProfile.account_id == uuid.UUID(second["id"]))
            )
        ).one()
        profile.state = "assigned"
        account = await session.get(ServiceAccount, uuid.UUID(second["id"]))
        assert account is not None
        account.free_profiles = 0
        account.state = "assigned"

    page_one = await client.get("/v1/inventory/accounts?limit=2", headers=operations)
    page_two = await client.get(page_one.json()["next"], headers=operations)
    by_service = await client.get(f"/v1/inventory/accounts?serviceId={netflix}", headers=operations)
    free = await client.get("/v1/inventory/accounts?hasFreeProfiles=true", headers=operations)
    full = await client.get("/v1/inventory/accounts?hasFreeProfiles=false", headers=operations)
    assigned = await client.get("/v1/inventory/accounts?state=assigned", headers=operations)
    bad_state = await client.get("/v1/inventory/accounts?state=lost", headers=operations)

    def ids(response: httpx.Response) -> list[str]:
        return [item["id"] for item in response.json()["items"]]

    assert ids(page_one) == [first["id"], second["id"]]
    assert ids(page_two) == [third["id"]]
    assert page_two.json()["next"] is None
    assert ids(by_service) == [first["id"], second["id"]]
    assert ids(free) == [first["id"], third["id"]]
    assert ids(full) == [second["id"]]
    assert ids(assigned) == [second["id"]]
    assert bad_state.status_code == 422


async def test_unknown_account_is_not_found(
    client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    response = await client.get(f"/v1/inventory/accounts/{uuid.uuid4()}", headers=operations)

    assert response.status_code == 404
    assert response.json()["code"] == "account_not_found"


async def test_customer_cannot_list_inventory(app: FastAPI, client: httpx.AsyncClient) -> None:
    from tests.inventory.support import staff_headers

    customer = await staff_headers(client, app, "customer")

    response = await client.get("/v1/inventory/accounts", headers=customer)
    anonymous = await client.get("/v1/inventory/accounts")

    assert response.status_code == 403
    assert anonymous.status_code == 401
