"""The whole account flow: register, sign in, enrol 2FA, sign in with it, refresh, log out."""

from __future__ import annotations

import time

import httpx
import pyotp
from fastapi import FastAPI
from sqlalchemy import func, select

from cuenty.identity.models import AuditEvent, User
from tests.identity.helpers import PASSWORD, bearer, login, register


def _next_step(totp: pyotp.TOTP) -> str:
    # Each 30-second code works once; the next step's code is still inside the window.
    return totp.at(time.time() + totp.interval)


async def _user_count(app: FastAPI) -> int:
    async with app.state.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def test_register_returns_user_and_tokens(client: httpx.AsyncClient) -> None:
    body = await register(client, phone="+52 33 1234 5678")
    assert body["user"]["email"] == "ana@example.com"
    assert body["user"]["phone"] == "+523312345678"
    assert body["user"]["role"] == "customer"
    assert body["tokens"]["tokenType"] == "Bearer"
    assert "passwordHash" not in body["user"]


async def test_duplicate_email_is_409_and_stores_nothing(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await register(client)
    response = await client.post(
        "/v1/auth/register",
        json={"name": "Otra Ana", "email": "ANA@example.com", "password": PASSWORD},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"
    assert await _user_count(app) == 1


async def test_duplicate_phone_is_409(client: httpx.AsyncClient) -> None:
    await register(client, phone="+52 55 1234 5678")
    response = await client.post(
        "/v1/auth/register",
        json={
            "name": "Beto",
            "email": "beto@example.com",
            "password": PASSWORD,
            "phone": "5512345678",
        },
    )
    assert response.json()["code"] == "phone_taken"


async def test_short_password_is_rejected_with_reason(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    response = await client.post(
        "/v1/auth/register", json={"name": "Ana", "email": "a@example.com", "password": "Corta1!"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "La contraseña debe tener al menos 10 caracteres."
    assert await _user_count(app) == 0


async def test_common_password_is_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/register",
        json={"name": "Ana", "email": "a@example.com", "password": "Contraseña123"},
        headers={"Accept-Language": "en"},
    )
    assert response.json()["detail"] == "The password is too common; choose another one."


async def test_login_with_wrong_password_is_401_and_audited(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await register(client)
    response = await client.post(
        "/v1/auth/login", json={"email": "ana@example.com", "password": "Equivocada-123"}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    async with app.state.session_factory() as session:
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert "auth.login_failed" in actions


async def test_login_with_unknown_email_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/login", json={"email": "nadie@example.com", "password": PASSWORD}
    )
    assert response.json()["code"] == "invalid_credentials"


async def test_full_flow_with_totp(client: httpx.AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ana@example.com")
    assert tokens["twoFactorRequired"] is False

    setup = (await client.post("/v1/auth/2fa/totp/setup", headers=bearer(tokens))).json()
    assert setup["otpauthUri"].startswith("otpauth://totp/CUENTY:")
    assert setup["qrPng"].startswith("data:image/png;base64,")
    totp = pyotp.TOTP(setup["secret"])
    confirmed = await client.post(
        "/v1/auth/2fa/totp/confirm", json={"code": totp.now()}, headers=bearer(tokens)
    )
    assert confirmed.status_code == 200
    assert len(confirmed.json()["backupCodes"]) == 10

    pending = await login(client, "ana@example.com")
    assert pending["twoFactorRequired"] is True
    assert pending["accessToken"] is None
    verified = await client.post(
        "/v1/auth/2fa/verify",
        json={"challengeId": pending["challengeId"], "code": _next_step(totp)},
    )
    assert verified.status_code == 200
    second = verified.json()

    refreshed = await client.post("/v1/auth/refresh", json={"refreshToken": second["refreshToken"]})
    assert refreshed.status_code == 200
    assert refreshed.json()["refreshToken"] != second["refreshToken"]

    me = await client.get("/v1/users/me", headers=bearer(refreshed.json()))
    assert me.json()["twoFactorEnabled"] is True

    logged_out = await client.post("/v1/auth/logout", headers=bearer(refreshed.json()))
    assert logged_out.status_code == 204
    after = await client.get("/v1/users/me", headers=bearer(refreshed.json()))
    assert after.status_code == 401


async def test_backup_code_works_once(client: httpx.AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ana@example.com")
    setup = (await client.post("/v1/auth/2fa/totp/setup", headers=bearer(tokens))).json()
    backup = (
        await client.post(
            "/v1/auth/2fa/totp/confirm",
            json={"code": pyotp.TOTP(setup["secret"]).now()},
            headers=bearer(tokens),
        )
    ).json()["backupCodes"][0]

    first = await login(client, "ana@example.com")
    used = await client.post(
        "/v1/auth/2fa/verify", json={"challengeId": first["challengeId"], "code": backup}
    )
    second = await login(client, "ana@example.com")
    reused = await client.post(
        "/v1/auth/2fa/verify", json={"challengeId": second["challengeId"], "code": backup}
    )
    assert used.status_code == 200
    assert reused.status_code == 400


async def test_refresh_token_reuse_revokes_session(client: httpx.AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ana@example.com")
    rotated = await client.post("/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    reused = await client.post("/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert reused.status_code == 401
    assert reused.json()["code"] == "refresh_token_reused"
    newest = await client.post(
        "/v1/auth/refresh", json={"refreshToken": rotated.json()["refreshToken"]}
    )
    assert newest.status_code == 401
    me = await client.get("/v1/users/me", headers=bearer(rotated.json()))
    assert me.status_code == 401


async def test_closing_a_session_revokes_its_token(client: httpx.AsyncClient) -> None:
    await register(client)
    phone_tokens = await login(client, "ana@example.com")
    laptop_tokens = await login(client, "ana@example.com")
    listed = (await client.get("/v1/auth/sessions", headers=bearer(laptop_tokens))).json()
    phone_session = next(item for item in listed if not item["current"])
    closed = await client.delete(
        f"/v1/auth/sessions/{phone_session['id']}", headers=bearer(laptop_tokens)
    )
    assert closed.status_code == 204
    assert (await client.get("/v1/users/me", headers=bearer(phone_tokens))).status_code == 401
    assert (await client.get("/v1/users/me", headers=bearer(laptop_tokens))).status_code == 200


async def test_disabling_two_factor_needs_step_up(client: httpx.AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ana@example.com")
    setup = (await client.post("/v1/auth/2fa/totp/setup", headers=bearer(tokens))).json()
    totp = pyotp.TOTP(setup["secret"])
    await client.post(
        "/v1/auth/2fa/totp/confirm", json={"code": totp.now()}, headers=bearer(tokens)
    )

    refused = await client.delete("/v1/auth/2fa", headers=bearer(tokens))
    assert refused.status_code == 403
    assert refused.json()["code"] == "step_up_required"
    step_up = await client.post(
        "/v1/auth/2fa/verify", json={"code": _next_step(totp)}, headers=bearer(tokens)
    )
    assert step_up.status_code == 200
    assert (await client.delete("/v1/auth/2fa", headers=bearer(tokens))).status_code == 204


async def test_concurrent_duplicate_signups_give_one_account(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    import asyncio

    body = {"name": "Ana", "email": "carrera@example.com", "password": PASSWORD}
    responses = await asyncio.gather(
        *(client.post("/v1/auth/register", json=body) for _ in range(3))
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201, 409, 409]
    assert await _user_count(app) == 1


async def test_totp_code_cannot_be_replayed(client: httpx.AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ana@example.com")
    setup = (await client.post("/v1/auth/2fa/totp/setup", headers=bearer(tokens))).json()
    totp = pyotp.TOTP(setup["secret"])
    await client.post(
        "/v1/auth/2fa/totp/confirm", json={"code": totp.now()}, headers=bearer(tokens)
    )
    code = _next_step(totp)

    first = await login(client, "ana@example.com")
    used = await client.post(
        "/v1/auth/2fa/verify", json={"challengeId": first["challengeId"], "code": code}
    )
    second = await login(client, "ana@example.com")
    replayed = await client.post(
        "/v1/auth/2fa/verify", json={"challengeId": second["challengeId"], "code": code}
    )
    assert used.status_code == 200
    assert replayed.status_code == 400


async def test_wrong_totp_guesses_end_the_challenge(client: httpx.AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ana@example.com")
    setup = (await client.post("/v1/auth/2fa/totp/setup", headers=bearer(tokens))).json()
    totp = pyotp.TOTP(setup["secret"])
    await client.post(
        "/v1/auth/2fa/totp/confirm", json={"code": totp.now()}, headers=bearer(tokens)
    )
    challenge = (await login(client, "ana@example.com"))["challengeId"]
    wrong = "000000" if _next_step(totp) != "000000" else "111111"
    statuses = [
        (
            await client.post("/v1/auth/2fa/verify", json={"challengeId": challenge, "code": wrong})
        ).status_code
        for _ in range(3)
    ]
    right = await client.post(
        "/v1/auth/2fa/verify", json={"challengeId": challenge, "code": _next_step(totp)}
    )
    assert statuses == [400, 400, 404]
    assert right.status_code == 404


async def test_unconfirmed_totp_is_no_second_factor(client: httpx.AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ana@example.com")
    setup = (await client.post("/v1/auth/2fa/totp/setup", headers=bearer(tokens))).json()
    step_up = await client.post(
        "/v1/auth/2fa/verify",
        json={"code": pyotp.TOTP(setup["secret"]).now()},
        headers=bearer(tokens),
    )
    assert step_up.status_code == 400


async def test_phone_given_at_signup_stays_pending(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/register",
        json={
            "name": "Ana",
            "email": "ana@example.com",
            "password": PASSWORD,
            "phone": "3312345678",
        },
    )
    user = response.json()["user"]
    assert user["phone"] is None
    assert user["pendingPhone"] == "+523312345678"
    assert user["emailVerified"] is False


async def test_signup_publishes_user_created(client: httpx.AsyncClient, app: FastAPI) -> None:
    from cuenty.kit.jobs.models import OutboxEntry

    user = (await register(client))["user"]
    async with app.state.session_factory() as session:
        events = (
            await session.scalars(select(OutboxEntry).where(OutboxEntry.name == "user.created"))
        ).all()
    assert len(events) == 1
    assert user["id"] in str(events[0].payload)


async def test_user_event_renders_without_contact_data(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    from cuenty.identity.tasks import render_user

    user = (await register(client))["user"]
    async with app.state.session_factory() as session:
        rendered = await render_user(session, {"user_id": user["id"]})
    assert rendered["id"] == user["id"]
    assert "email" not in rendered
