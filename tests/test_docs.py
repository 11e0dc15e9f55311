"""API docs work offline: Swagger UI and ReDoc load nothing from another host."""

from __future__ import annotations

import re

import httpx
import pytest

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
EXTERNAL_URL = re.compile(r"https?://(?!127\.0\.0\.1|localhost|cuenty\.test)[^\s\"'<>)]+")


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_docs_page_references_no_external_host(
    plain_client: httpx.AsyncClient, path: str
) -> None:
    response = await plain_client.get(path)
    assert response.status_code == 200
    assert EXTERNAL_URL.findall(response.text) == []


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_docs_assets_are_served(plain_client: httpx.AsyncClient, path: str) -> None:
    page = await plain_client.get(path)
    for asset in ASSET.findall(page.text):
        assert (await plain_client.get(asset)).status_code == 200, asset


async def test_openapi_is_3_1_with_spanish_texts(plain_client: httpx.AsyncClient) -> None:
    document = (await plain_client.get("/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    assert "suscripciones" in document["info"]["description"]
    assert {"salud", "payments", "compliance"} <= {tag["name"] for tag in document["tags"]}


async def test_openapi_documents_ready_503_as_problem(plain_client: httpx.AsyncClient) -> None:
    document = (await plain_client.get("/openapi.json")).json()
    response = document["paths"]["/ready"]["get"]["responses"]["503"]
    assert "application/problem+json" in response["content"]
