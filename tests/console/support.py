"""Shared steps of the console tests: a browser-like client with cookies, the CSRF token of a
page, and staff or customers signed in through the console's own forms."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from cuenty.identity.models import User
from tests.conftest import client_for
from tests.identity.helpers import PASSWORD, latest_code, register

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def browser(app: FastAPI) -> httpx.AsyncClient:
    """A client that keeps cookies, as a browser does, and does not follow redirects."""
    return client_for(app)


async def csrf_of(client: httpx.AsyncClient, path: str) -> str:
    """The CSRF token printed in the forms of the page at `path`."""
    page = await client.get(path)
    found = CSRF_FIELD.search(page.text)
    assert found is not None, f"no CSRF field on {path} ({page.status_code})"
    return found.group(1)


async def submit(
    client: httpx.AsyncClient, page: str, action: str, fields: dict[str, str], **options: object
) -> httpx.Response:
    """Send the form at `action` as the page at `page` would, with its CSRF token."""
    token = await csrf_of(client, page)
    return await client.post(action, data={**fields, "csrf_token": token}, **options)  # type: ignore[arg-type]


async def staff_browser(app: FastAPI, email: str, role: str = "operations") -> httpx.AsyncClient:
    """A browser signed in to /console as a new staff member with `role`."""
    client = browser(app)
    await register(client, email)
    async with app.state.session_factory() as session, session.begin():
        await session.execute(update(User).where(User.email == email).values(role=role))
    response = await submit(
        client,
        "/console/entrar",
        "/console/entrar",
        {"email": email, "password": PASSWORD},
    )
    assert response.status_code == 303, response.text
    return client


async def customer_browser(app: FastAPI, phone: str = "+525512345678") -> httpx.AsyncClient:
    """A browser signed in to /cuenta with a code sent to a new customer's phone."""
    client = browser(app)
    email = f"cliente{phone[-4:]}@example.com"
    await register(client, email, phone=phone)
    response = await submit(client, "/cuenta/entrar", "/cuenta/entrar", {"phone": phone})
    assert response.status_code == 200, response.text
    code = await latest_code(app, phone)
    response = await submit(
        client,
        "/cuenta/entrar",
        "/cuenta/entrar/codigo",
        {"phone": phone, "code": code},
    )
    assert response.status_code == 303, response.text
    return client
