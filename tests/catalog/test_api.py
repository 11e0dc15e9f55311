"""The catalog API: the public list, administration by operations, and its guards."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.commerce_support import add_stock, person, seed_catalog

pytestmark = pytest.mark.asyncio

SERVICE = {"name": "Disney+", "category": "streaming", "profilesPerAccount": 4}


async def operations(client: httpx.AsyncClient) -> dict[str, str]:
    return await person(client, "mariana@cuenty.mx", "operations")


async def create_service(client: httpx.AsyncClient, headers: dict[str, str]) -> dict:
    response = await client.post("/v1/catalog/services", json=SERVICE, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def plan_body(service_id: str, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "serviceId": service_id,
        "name": "1 perfil 30 días",
        "planType": "INDIVIDUAL",
        "durationValue": 30,
        "durationUnit": "days",
        "cost": 35.00,
        "margin": 20.00,
    }
    body.update(changes)
    return body


async def test_public_list_shows_active_plans_without_cost(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed_catalog(app)
    response = await client.get("/v1/catalog/services")
    plan = response.json()[0]["plans"][0]
    assert "cost" not in plan


async def test_public_list_prices_netflix_profile_at_70(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed_catalog(app)
    response = await client.get("/v1/catalog/services")
    netflix = next(item for item in response.json() if item["name"] == "Netflix")
    prices = {plan["planType"]: plan["customerPrice"] for plan in netflix["plans"]}
    assert prices == {"INDIVIDUAL": 70.0, "COMPLETA": 261.0}


async def test_plan_price_is_cost_plus_margin(client: httpx.AsyncClient) -> None:
    headers = await operations(client)
    service = await create_service(client, headers)
    response = await client.post(
        "/v1/catalog/plans", json=plan_body(service["id"]), headers=headers
    )
    assert response.json()["price"] == 55.0


async def test_price_without_iva_shows_customer_price_with_iva(client: httpx.AsyncClient) -> None:
    headers = await operations(client)
    service = await create_service(client, headers)
    body = plan_body(service["id"], priceIncludesIva=False, cost=100, margin=0)
    response = await client.post("/v1/catalog/plans", json=body, headers=headers)
    assert response.json()["customerPrice"] == 116.0


async def test_inactive_plan_is_hidden_from_the_public(client: httpx.AsyncClient) -> None:
    headers = await operations(client)
    service = await create_service(client, headers)
    body = plan_body(service["id"], active=False)
    await client.post("/v1/catalog/plans", json=body, headers=headers)
    listed = (await client.get("/v1/catalog/services")).json()
    assert listed[0]["plans"] == []


async def test_staff_list_includes_inactive_services(client: httpx.AsyncClient) -> None:
    headers = await operations(client)
    service = await create_service(client, headers)
    await client.patch(
        f"/v1/catalog/services/{service['id']}", json={"active": False}, headers=headers
    )
    listed = await client.get("/v1/catalog/services?includeInactive=true", headers=headers)
    assert [item["name"] for item in listed.json()] == ["Disney+"]


async def test_anonymous_cannot_ask_for_inactive(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/catalog/services?includeInactive=true")
    assert response.status_code == 401


async def test_customer_cannot_create_services(client: httpx.AsyncClient) -> None:
    headers = await person(client, "ana@example.com")
    response = await client.post("/v1/catalog/services", json=SERVICE, headers=headers)
    assert response.status_code == 403


async def test_duplicate_service_name_is_409(client: httpx.AsyncClient) -> None:
    headers = await operations(client)
    await create_service(client, headers)
    again = await client.post(
        "/v1/catalog/services", json={**SERVICE, "name": "disney+"}, headers=headers
    )
    assert again.json()["code"] == "name_taken"


@pytest.mark.parametrize(
    ("changes", "pointer", "code"),
    [
        ({"cost": -1}, "#/cost", "greater_than_equal"),
        ({"margin": 10.005}, "#/margin", "decimal_max_places"),
        ({"planType": "FAMILIAR"}, "#/planType", "literal_error"),
        ({"durationUnit": "months", "durationValue": 36}, "#/durationValue", "less_than_equal"),
        ({"durationValue": 0}, "#/durationValue", "greater_than_equal"),
    ],
)
async def test_bad_plan_names_field_and_rule(
    client: httpx.AsyncClient, changes: dict, pointer: str, code: str
) -> None:
    headers = await operations(client)
    service = await create_service(client, headers)
    response = await client.post(
        "/v1/catalog/plans", json=plan_body(service["id"], **changes), headers=headers
    )
    assert [(error["pointer"], error["code"]) for error in response.json()["errors"]] == [
        (pointer, code)
    ]


async def test_bad_plan_stores_nothing(client: httpx.AsyncClient) -> None:
    headers = await operations(client)
    service = await create_service(client, headers)
    await client.post("/v1/catalog/plans", json=plan_body(service["id"], cost=-5), headers=headers)
    listed = await client.get("/v1/catalog/services?includeInactive=true", headers=headers)
    assert listed.json()[0]["plans"] == []


async def test_error_language_follows_request(
    client: httpx.AsyncClient,
) -> None:
    headers = await operations(client)
    service = await create_service(client, headers)
    body = plan_body(service["id"], cost=-1)
    spanish = await client.post("/v1/catalog/plans", json=body, headers=headers)
    english = await client.post(
        "/v1/catalog/plans", json=body, headers={**headers, "Accept-Language": "en"}
    )
    assert spanish.json()["title"] == "Datos inválidos"
    assert english.json()["title"] == "Invalid data"


async def test_service_with_stock_cannot_be_deleted(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    headers = await operations(client)
    catalog = await seed_catalog(app)
    await add_stock(app, catalog.spotify, 1)
    response = await client.delete(f"/v1/catalog/services/{catalog.spotify.id}", headers=headers)
    assert response.json()["code"] == "in_use"


async def test_unused_service_can_be_deleted(client: httpx.AsyncClient) -> None:
    headers = await operations(client)
    service = await create_service(client, headers)
    response = await client.delete(f"/v1/catalog/services/{service['id']}", headers=headers)
    assert response.status_code == 204


async def test_bundle_of_two_plans(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = await operations(client)
    catalog = await seed_catalog(app)
    body = {
        "name": "Combo Netflix + Spotify",
        "price": 120,
        "planIds": [str(catalog.netflix_profile.id), str(catalog.spotify_month.id)],
    }
    await client.post("/v1/catalog/bundles", json=body, headers=headers)
    listed = (await client.get("/v1/catalog/bundles")).json()
    assert [len(item["plans"]) for item in listed] == [2]


async def test_plan_in_a_bundle_cannot_be_deleted(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = await operations(client)
    catalog = await seed_catalog(app)
    body = {
        "name": "Combo",
        "price": 120,
        "planIds": [str(catalog.netflix_profile.id), str(catalog.spotify_month.id)],
    }
    await client.post("/v1/catalog/bundles", json=body, headers=headers)
    response = await client.delete(f"/v1/catalog/plans/{catalog.spotify_month.id}", headers=headers)
    assert response.status_code == 409


async def test_promotion_codes_are_case_insensitive(client: httpx.AsyncClient) -> None:
    headers = await operations(client)
    body = {"code": "BuenFin", "kind": "percentage", "value": 15}
    await client.post("/v1/catalog/promotions", json=body, headers=headers)
    again = await client.post(
        "/v1/catalog/promotions", json={**body, "code": "BUENFIN"}, headers=headers
    )
    assert again.json()["code"] == "promotion_code_taken"


@pytest.mark.parametrize(
    ("changes", "pointer", "code"),
    [
        ({"value": 120}, "#/value", "less_than_equal"),
        ({"value": 0}, "#/value", "greater_than"),
        (
            {"startsAt": "2026-12-10T00:00:00Z", "endsAt": "2026-12-01T00:00:00Z"},
            "#/endsAt",
            "ends_before_start",
        ),
        ({"endsAt": "2026-12-10T00:00:00"}, "#/endsAt", "timezone_aware"),
    ],
)
async def test_bad_promotion_names_field_and_rule(
    client: httpx.AsyncClient, changes: dict, pointer: str, code: str
) -> None:
    headers = await operations(client)
    body = {"code": "VERANO", "kind": "percentage", "value": 10, **changes}
    response = await client.post("/v1/catalog/promotions", json=body, headers=headers)
    assert [(error["pointer"], error["code"]) for error in response.json()["errors"]] == [
        (pointer, code)
    ]
