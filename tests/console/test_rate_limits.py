"""The API's per-address limit seen from the console: static files do not count, and a page
over the limit is an HTML page, not problem JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from cuenty.app import create_app
from tests.conftest import TestDatabase, client_for, make_settings


@pytest.fixture
async def limited(database: TestDatabase, engine: object) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(database_url=database.url, rate_limit_per_ip="3/minute")
    application: FastAPI = create_app(settings, engine=database.engine)
    async with application.router.lifespan_context(application), client_for(application) as c:
        yield c


async def test_static_files_do_not_count(limited: httpx.AsyncClient) -> None:
    for _ in range(5):
        await limited.get("/console/static/css/console.css")
    response = await limited.get("/console/entrar")
    assert response.status_code == 200


async def test_page_over_the_limit_is_html(limited: httpx.AsyncClient) -> None:
    for _ in range(3):
        await limited.get("/console/entrar")
    response = await limited.get("/console/entrar")
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("text/html")
    assert "Demasiadas solicitudes" in response.text


async def test_page_over_the_limit_uses_the_chosen_language(limited: httpx.AsyncClient) -> None:
    limited.cookies.set("cuenty_lang", "en")
    for _ in range(3):
        await limited.get("/console/entrar")
    response = await limited.get("/console/entrar")
    assert "Too many requests" in response.text


async def test_page_over_the_limit_has_the_console_headers(limited: httpx.AsyncClient) -> None:
    for _ in range(3):
        await limited.get("/console/entrar")
    response = await limited.get("/console/entrar")
    assert "default-src 'none'" in response.headers["content-security-policy"]
