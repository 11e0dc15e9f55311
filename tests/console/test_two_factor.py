"""Staff whose account has two-factor authentication pass a second step at sign-in."""

from __future__ import annotations

import re
import time

import httpx
import pyotp
from fastapi import FastAPI
from sqlalchemy import update

from cuenty.identity.models import User
from tests.console.support import browser, csrf_of
from tests.identity.helpers import PASSWORD, bearer, login, register

CHALLENGE = re.compile(r'name="challenge_id" value="([^"]+)"')


async def _staff_with_totp(app: FastAPI, client: httpx.AsyncClient) -> pyotp.TOTP:
    await register(client, "ops@example.com")
    async with app.state.session_factory() as session, session.begin():
        await session.execute(
            update(User).where(User.email == "ops@example.com").values(role="operations")
        )
    tokens = await login(client, "ops@example.com")
    setup = (await client.post("/v1/auth/2fa/totp/setup", headers=bearer(tokens))).json()
    totp = pyotp.TOTP(setup["secret"])
    confirmed = await client.post(
        "/v1/auth/2fa/totp/confirm", json={"code": totp.now()}, headers=bearer(tokens)
    )
    assert confirmed.status_code == 200, confirmed.text
    return totp


async def _second_step(client: httpx.AsyncClient, csrf: str) -> httpx.Response:
    return await client.post(
        "/console/entrar",
        data={"email": "ops@example.com", "password": PASSWORD, "csrf_token": csrf},
    )


def _next_code(totp: pyotp.TOTP) -> str:
    # The code of the current step was spent confirming the app; the next one is accepted.
    return str(totp.at(time.time() + totp.interval))


async def test_password_leads_to_the_second_step(app: FastAPI) -> None:
    client = browser(app)
    await _staff_with_totp(app, client)
    response = await _second_step(client, await csrf_of(client, "/console/entrar"))
    assert CHALLENGE.search(response.text) is not None


async def test_code_from_the_app_opens_the_console(app: FastAPI) -> None:
    client = browser(app)
    totp = await _staff_with_totp(app, client)
    csrf = await csrf_of(client, "/console/entrar")
    challenge = CHALLENGE.search((await _second_step(client, csrf)).text)
    assert challenge is not None
    response = await client.post(
        "/console/entrar/2fa",
        data={"challenge_id": challenge.group(1), "code": _next_code(totp), "csrf_token": csrf},
    )
    assert response.headers["location"] == "/console"


async def test_wrong_code_keeps_the_second_step(app: FastAPI) -> None:
    client = browser(app)
    await _staff_with_totp(app, client)
    csrf = await csrf_of(client, "/console/entrar")
    challenge = CHALLENGE.search((await _second_step(client, csrf)).text)
    assert challenge is not None
    response = await client.post(
        "/console/entrar/2fa",
        data={"challenge_id": challenge.group(1), "code": "000000", "csrf_token": csrf},
    )
    assert "cuenty_console_access" not in client.cookies
    assert response.status_code in (400, 401, 422)
