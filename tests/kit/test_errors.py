"""Every error path returns RFC 9457 problem+json, in Spanish by default and English on request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from pydantic import Field

from cuenty.app import create_app
from cuenty.kit.api import ApiModel, api_router
from cuenty.kit.errors import ConflictError
from cuenty.kit.money import Money
from tests.conftest import client_for, make_settings

PROBLEM = "application/problem+json"


class OrderItemIn(ApiModel):
    plan_id: int = Field(gt=0)
    quantity: int = Field(ge=1, le=10)


class OrderIn(ApiModel):
    customer_name: str = Field(min_length=2)
    amount: Money
    items: list[OrderItemIn]


router = api_router(prefix="/v1/test")


@router.post("/orders")
async def create_order(order: OrderIn) -> dict[str, object]:
    return {"total": str(order.amount)}


@router.get("/boom")
async def explode() -> None:
    raise RuntimeError("database password is hunter2 for ana@example.com")


@router.get("/conflict")
async def conflict() -> None:
    raise ConflictError()


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/e.db", max_body_bytes=2048
    )
    app = create_app(settings)
    app.include_router(router)
    async with app.router.lifespan_context(app), client_for(app) as http_client:
        yield http_client


VALID_ORDER = {"customerName": "Ana", "amount": 299.00, "items": [{"planId": 1, "quantity": 1}]}


async def test_valid_body_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/test/orders", json=VALID_ORDER)
    assert response.status_code == 200
    assert response.json() == {"total": "299.00"}


async def test_unknown_route_is_404_problem_in_spanish(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/no-existe")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["title"] == "No encontrado"
    assert body["code"] == "not_found"
    assert body["type"] == "urn:cuenty:problem:not_found"
    assert body["instance"] == "/v1/no-existe"
    assert body["status"] == 404
    assert response.headers["content-language"] == "es-MX"


async def test_unknown_route_in_english(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/missing", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert response.json()["title"] == "Not found"
    assert response.json()["detail"] == "No resource exists at /v1/missing."


async def test_method_not_allowed_is_405_problem(client: httpx.AsyncClient) -> None:
    response = await client.delete("/v1/test/orders")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == "El método DELETE no está permitido en /v1/test/orders."


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/test/orders",
        content=b'{"customerName": "Ana",',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "malformed_json"
    assert response.json()["title"] == "JSON mal formado"


async def test_malformed_json_in_english(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/test/orders",
        content=b"{oops}",
        headers={"Content-Type": "application/json", "Accept-Language": "en"},
    )
    assert response.json()["title"] == "Malformed JSON"
    assert response.json()["detail"] == "The request body is not valid JSON (error at character 1)."


async def test_wrong_content_type_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/test/orders", content=b"customerName=Ana", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "unsupported_media_type"
    assert "text/plain" in response.json()["detail"]


async def test_json_suffix_content_type_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/test/orders",
        content=httpx.Request("POST", "/", json=VALID_ORDER).content,
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200


async def test_oversize_body_is_413(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/test/orders", json={**VALID_ORDER, "customerName": "A" * 5000}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "payload_too_large"
    assert "2048" in response.json()["detail"]


async def test_oversize_streamed_body_is_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"customerName": "'
        for _ in range(10):
            yield b"A" * 500
        yield b'"}'

    response = await client.post(
        "/v1/test/orders",
        content=chunks(),
        headers={"Content-Type": "application/json", "Accept-Language": "en"},
    )
    assert response.status_code == 413
    assert response.json()["title"] == "Request body too large"


async def test_validation_lists_each_field_with_pointer(client: httpx.AsyncClient) -> None:
    bad = {"customerName": "A", "amount": 10.999, "items": [{"planId": 0, "quantity": 11}]}
    response = await client.post("/v1/test/orders", json=bad)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    errors = {error["pointer"]: error for error in response.json()["errors"]}
    assert set(errors) == {"#/customerName", "#/amount", "#/items/0/planId", "#/items/0/quantity"}
    assert errors["#/customerName"]["message"] == "Debe tener al menos 2 carácter(es)."
    assert errors["#/items/0/quantity"]["code"] == "less_than_equal"
    assert errors["#/items/0/planId"]["message"] == "Debe ser mayor que 0."
    assert "decimal" in errors["#/amount"]["message"]


async def test_validation_messages_in_english(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/test/orders", json={"amount": 1}, headers={"Accept-Language": "en"}
    )
    body = response.json()
    assert body["title"] == "Invalid data"
    missing = [error for error in body["errors"] if error["code"] == "missing"]
    assert {error["pointer"] for error in missing} == {"#/customerName", "#/items"}
    assert missing[0]["message"] == "This field is required."


async def test_query_parameter_error_names_parameter(client: httpx.AsyncClient) -> None:
    from fastapi import Query

    app = client._transport.app  # type: ignore[attr-defined]

    @app.get("/v1/test/list")
    async def listing(limit: int = Query(ge=1, le=100)) -> dict[str, int]:
        return {"limit": limit}

    response = await client.get("/v1/test/list?limit=500")
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["location"] == "query"
    assert error["parameter"] == "limit"


async def test_unhandled_error_is_500_without_trace(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/test/boom", headers={"X-Request-ID": "req-0123456789"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "Traceback" not in response.text
    assert "hunter2" not in response.text
    assert "req-0123456789" in response.json()["detail"]
    assert response.headers["x-request-id"] == "req-0123456789"


async def test_unhandled_error_in_english(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/test/boom", headers={"Accept-Language": "en"})
    assert response.json()["title"] == "Internal error"


async def test_domain_error_uses_its_status_and_code(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/test/conflict", headers={"Accept-Language": "en"})
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["title"] == "Conflict"


def test_money_body_keeps_decimal() -> None:
    order = OrderIn.model_validate(VALID_ORDER)
    assert order.amount == Decimal("299.00")


async def test_framework_429_fills_retry_after(client: httpx.AsyncClient) -> None:
    from fastapi import HTTPException

    app = client._transport.app  # type: ignore[attr-defined]

    @app.get("/v1/test/busy")
    async def busy() -> None:
        raise HTTPException(status_code=429, headers={"Retry-After": "30"})

    response = await client.get("/v1/test/busy", headers={"Accept-Language": "en"})
    assert response.json()["detail"] == "The rate limit was exceeded; retry after 30 seconds."
    assert response.headers["retry-after"] == "30"


async def test_error_without_params_shows_no_placeholder(client: httpx.AsyncClient) -> None:
    from cuenty.kit.errors import ServiceUnavailableError

    app = client._transport.app  # type: ignore[attr-defined]

    @app.get("/v1/test/down")
    async def down() -> None:
        raise ServiceUnavailableError()

    response = await client.get("/v1/test/down")
    assert "{" not in response.json()["detail"]
