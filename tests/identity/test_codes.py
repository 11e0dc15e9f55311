"""Sign-in by phone code: delivery to the outbox only, expiry, attempt limits, lockout and the
pause between sends. Codes never appear in responses or logs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from cuenty.identity.models import DevOutboxMessage, OneTimeCode
from tests.identity.helpers import latest_code, register

PHONE = "+523312345678"


async def _send(client: httpx.AsyncClient, purpose: str = "login") -> httpx.Response:
    return await client.post(
        "/v1/auth/otp/send", json={"phone": "33 1234 5678", "purpose": purpose}
    )


async def _verify(client: httpx.AsyncClient, code: str) -> httpx.Response:
    return await client.post("/v1/auth/otp/verify", json={"phone": PHONE, "code": code})


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def test_sign_in_with_phone_code(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client, phone=PHONE)
    sent = await _send(client)
    assert sent.status_code == 202
    code = await latest_code(app, PHONE)
    assert code not in sent.text
    response = await _verify(client, code)
    assert response.status_code == 200
    assert response.json()["accessToken"]


async def test_outbox_body_masks_the_code(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client, phone=PHONE)
    await _send(client)
    code = await latest_code(app, PHONE)
    async with app.state.session_factory() as session:
        message = await session.scalar(select(DevOutboxMessage))
    assert message is not None
    assert code not in str(message.body)
    assert "CUENTY" in str(message.body)


async def test_code_is_single_use(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client, phone=PHONE)
    await _send(client)
    code = await latest_code(app, PHONE)
    await _verify(client, code)
    again = await _verify(client, code)
    assert again.status_code == 400
    assert again.json()["code"] == "invalid_code"


async def test_expired_code_is_rejected(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client, phone=PHONE)
    await _send(client)
    code = await latest_code(app, PHONE)
    async with app.state.session_factory.begin() as session:
        past = datetime.now(UTC) - timedelta(seconds=1)
        await session.execute(update(OneTimeCode).values(expires_at=past))
    assert (await _verify(client, code)).json()["code"] == "invalid_code"


async def test_wrong_code_is_rejected_alike(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client, phone=PHONE)
    await _send(client)
    code = await latest_code(app, PHONE)
    response = await _verify(client, _wrong(code))
    assert response.status_code == 400
    assert (
        response.json()["detail"]
        == "El código es incorrecto o ya venció; revísalo o pide uno nuevo."
    )


async def test_fifth_wrong_code_locks_for_an_hour(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client, phone=PHONE)
    await _send(client)
    code = await latest_code(app, PHONE)
    statuses = [(await _verify(client, _wrong(code))).status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 429]
    locked = await _verify(client, code)
    assert locked.status_code == 429
    assert locked.json()["code"] == "code_locked"
    assert 3500 < int(locked.headers["retry-after"]) <= 3600
    assert (await _send(client)).status_code == 202


async def test_second_send_within_a_minute_is_skipped(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await register(client, phone=PHONE)
    await _send(client)
    again = await _send(client)
    async with app.state.session_factory() as session:
        messages = (
            await session.scalars(
                select(DevOutboxMessage).where(DevOutboxMessage.purpose == "login")
            )
        ).all()
    assert again.status_code == 202
    assert len(messages) == 1


async def test_register_code_resend_is_429_with_retry_after(client: httpx.AsyncClient) -> None:
    await _send(client, purpose="register")
    again = await _send(client, purpose="register")
    assert again.status_code == 429
    assert again.json()["code"] == "code_resend_too_soon"
    assert 1 <= int(again.headers["retry-after"]) <= 60


async def test_register_code_needs_mexican_number(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/otp/send", json={"phone": "+1 415 555 0100", "purpose": "register"}
    )
    assert response.status_code == 400


async def test_unknown_phone_gets_same_answer_and_no_message(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    response = await _send(client)
    assert response.status_code == 202
    with pytest.raises(AssertionError, match="no message"):
        await latest_code(app, PHONE)


async def test_sign_up_with_phone_code(client: httpx.AsyncClient, app: FastAPI) -> None:
    assert (await _send(client, purpose="register")).status_code == 202
    code = await latest_code(app, PHONE)
    response = await client.post(
        "/v1/auth/register", json={"name": "Sofía", "phone": "3312345678", "code": code}
    )
    assert response.status_code == 201
    assert response.json()["user"]["phoneVerified"] is True


async def test_two_factor_code_by_message_allows_three_attempts(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    import pyotp

    from tests.identity.helpers import bearer, login

    await register(client, phone=PHONE)
    tokens = await login(client, "ana@example.com")
    setup = (await client.post("/v1/auth/2fa/totp/setup", headers=bearer(tokens))).json()
    await client.post(
        "/v1/auth/2fa/totp/confirm",
        json={"code": pyotp.TOTP(setup["secret"]).now()},
        headers=bearer(tokens),
    )
    challenge = (await login(client, "ana@example.com"))["challengeId"]
    sent = await client.post("/v1/auth/2fa/send", json={"challengeId": challenge})
    assert sent.status_code == 202
    code = await latest_code(app, PHONE)
    wrong = [
        (
            await client.post(
                "/v1/auth/2fa/verify", json={"challengeId": challenge, "code": _wrong(code)}
            )
        ).status_code
        for _ in range(3)
    ]
    assert wrong == [400, 400, 404]


async def test_codes_never_reach_logs(
    client: httpx.AsyncClient,
    app: FastAPI,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    await register(client, phone=PHONE)
    await _send(client)
    code = await latest_code(app, PHONE)
    await _verify(client, code)
    captured = capsys.readouterr()
    assert code not in captured.out + captured.err
    assert code not in caplog.text


async def test_unknown_phone_verify_looks_like_wrong_code(client: httpx.AsyncClient) -> None:
    response = await _verify(client, "123456")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"
