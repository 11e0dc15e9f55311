"""Signing in to the console and the portal, and what guards every console page."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from cuenty.identity.models import User
from tests.console.support import browser, csrf_of, customer_browser, staff_browser, submit
from tests.identity.helpers import PASSWORD, register


async def test_staff_sign_in_opens_first_page(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    response = await client.get("/console")
    assert response.headers["location"] == "/console/tablero"


async def test_support_starts_at_orders(app: FastAPI) -> None:
    client = await staff_browser(app, "help@example.com", "support")
    response = await client.get("/console")
    assert response.headers["location"] == "/console/pedidos"


async def test_wrong_password_shows_the_api_message_in_spanish(app: FastAPI) -> None:
    client = browser(app)
    await register(client, "ops@example.com")
    response = await submit(
        client, "/console/entrar", "/console/entrar", {"email": "ops@example.com", "password": "x"}
    )
    assert "no son correctos" in response.text


async def test_wrong_password_in_english_on_request(app: FastAPI) -> None:
    client = browser(app)
    await register(client, "ops@example.com")
    await client.get("/console/entrar?lang=en")
    response = await submit(
        client, "/console/entrar", "/console/entrar", {"email": "ops@example.com", "password": "x"}
    )
    assert "Staff sign-in" in response.text


async def test_customer_cannot_open_the_staff_console(app: FastAPI) -> None:
    client = browser(app)
    await register(client, "ana@example.com")
    response = await submit(
        client,
        "/console/entrar",
        "/console/entrar",
        {"email": "ana@example.com", "password": PASSWORD},
    )
    assert response.status_code == 403


async def test_refused_customer_keeps_no_console_cookie(app: FastAPI) -> None:
    client = browser(app)
    await register(client, "ana@example.com")
    await submit(
        client,
        "/console/entrar",
        "/console/entrar",
        {"email": "ana@example.com", "password": PASSWORD},
    )
    assert "cuenty_console_access" not in client.cookies


async def test_form_without_csrf_token_is_refused(app: FastAPI) -> None:
    client = browser(app)
    await register(client, "ops@example.com")
    await client.get("/console/entrar")
    response = await client.post(
        "/console/entrar", data={"email": "ops@example.com", "password": PASSWORD}
    )
    assert response.status_code == 403


async def test_form_with_another_browsers_token_is_refused(app: FastAPI) -> None:
    other = browser(app)
    token = await csrf_of(other, "/console/entrar")
    client = browser(app)
    await client.get("/console/entrar")
    response = await client.post(
        "/console/entrar", data={"email": "a@example.com", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 403


async def test_console_without_session_sends_to_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/console")
    assert response.headers["location"] == "/console/entrar"


async def test_sign_in_returns_only_inside_the_console(app: FastAPI) -> None:
    client = browser(app)
    await register(client, "ops@example.com")
    await _make_staff(app, "ops@example.com")
    response = await submit(
        client,
        "/console/entrar",
        "/console/entrar",
        {"email": "ops@example.com", "password": PASSWORD, "next": "//evil.example/x"},
    )
    assert response.headers["location"] == "/console"


async def test_pages_carry_a_strict_content_security_policy(client: httpx.AsyncClient) -> None:
    response = await client.get("/console/entrar")
    assert "script-src 'self'" in response.headers["content-security-policy"]


async def test_session_cookies_are_http_only_and_scoped(app: FastAPI) -> None:
    client = browser(app)
    await register(client, "ops@example.com")
    await _make_staff(app, "ops@example.com")
    token = await csrf_of(client, "/console/entrar")
    response = await client.post(
        "/console/entrar",
        data={"email": "ops@example.com", "password": PASSWORD, "csrf_token": token},
    )
    cookie = next(
        value
        for name, value in response.headers.multi_items()
        if name == "set-cookie" and value.startswith("cuenty_console_access=")
    )
    assert "HttpOnly" in cookie
    assert "Path=/console" in cookie
    assert "SameSite=lax" in cookie


async def test_sign_out_revokes_the_session(app: FastAPI) -> None:
    client = browser(app)
    csrf = await csrf_of(client, "/console/entrar")
    await register(client, "ops@example.com")
    await _make_staff(app, "ops@example.com")
    await client.post(
        "/console/entrar",
        data={"email": "ops@example.com", "password": PASSWORD, "csrf_token": csrf},
    )
    token = client.cookies["cuenty_console_access"]
    await client.post("/console/salir", data={"csrf_token": csrf})
    response = await client.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_customer_signs_in_with_a_code(app: FastAPI) -> None:
    client = await customer_browser(app)
    assert "cuenty_cuenta_access" in client.cookies


async def test_customer_wrong_code_is_refused(app: FastAPI) -> None:
    client = browser(app)
    await register(client, "ana@example.com", phone="+525512345678")
    await submit(client, "/cuenta/entrar", "/cuenta/entrar", {"phone": "+525512345678"})
    response = await submit(
        client,
        "/cuenta/entrar",
        "/cuenta/entrar/codigo",
        {"phone": "+525512345678", "code": "000000"},
    )
    assert response.status_code in (400, 401, 422)


async def _make_staff(app: FastAPI, email: str) -> None:
    async with app.state.session_factory() as session, session.begin():
        await session.execute(update(User).where(User.email == email).values(role="operations"))


async def test_compliance_officer_starts_at_privacy(app: FastAPI) -> None:
    client = await staff_browser(app, "dpo@example.com", "compliance_officer")
    response = await client.get("/console")
    assert response.headers["location"] == "/console/privacidad"


async def test_invalid_form_value_gets_html_page(app: FastAPI) -> None:
    client = browser(app)
    response = await submit(
        client, "/cuenta/entrar", "/cuenta/entrar", {"phone": "5512345678", "channel": "fax"}
    )
    assert response.headers["content-type"].startswith("text/html")


async def test_sign_in_without_password_names_the_field(app: FastAPI) -> None:
    client = browser(app)
    response = await submit(
        client, "/console/entrar", "/console/entrar", {"email": "ops@example.com"}
    )
    assert "revisa errors" not in response.text


async def test_pages_link_static_files_by_content_hash(client: httpx.AsyncClient) -> None:
    page = await client.get("/console/entrar")
    assert re.search(r'href="/console/static/css/console\.css\?v=[0-9a-f]{12}"', page.text)


async def test_versioned_static_file_is_kept_a_year(client: httpx.AsyncClient) -> None:
    page = await client.get("/console/entrar")
    found = re.search(r'href="(/console/static/css/console\.css\?v=[0-9a-f]+)"', page.text)
    assert found is not None
    response = await client.get(found.group(1))
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_language_switch_keeps_the_page_filters(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com")
    page = await client.get("/console/pedidos?state=paid")
    assert 'href="/console/pedidos?state=paid&amp;lang=en"' in page.text


async def test_error_before_the_page_keeps_the_menu(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com")
    response = await client.post("/console/salir", data={"csrf_token": "not-the-token"})
    assert 'action="/console/salir"' in response.text


async def test_unknown_console_address_is_an_html_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/console/no-existe")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
