"""Forged, expired and misaddressed access tokens are rejected with 401."""

from __future__ import annotations

import base64
import json
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from tests.identity.helpers import bearer, login, register


def _segment(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def _valid_claims(client: httpx.AsyncClient) -> tuple[dict[str, object], dict[str, object]]:
    await register(client)
    tokens = await login(client, "ana@example.com")
    token = str(tokens["accessToken"])
    return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})


async def _me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"})


async def test_valid_token_is_accepted(client: httpx.AsyncClient) -> None:
    await register(client)
    tokens = await login(client, "ana@example.com")
    assert (await client.get("/v1/users/me", headers=bearer(tokens))).status_code == 200


async def test_alg_none_is_rejected(client: httpx.AsyncClient) -> None:
    header, claims = await _valid_claims(client)
    forged = f"{_segment({**header, 'alg': 'none'})}.{_segment(claims)}."
    response = await _me(client, forged)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


async def test_hs256_signed_with_public_key_is_rejected(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    header, claims = await _valid_claims(client)
    jwks = (await client.get("/v1/auth/.well-known/jwks.json")).json()
    public_x = jwks["keys"][0]["x"]
    forged = jwt.encode(claims, public_x, algorithm="HS256", headers={"kid": header["kid"]})
    assert (await _me(client, forged)).status_code == 401


async def test_expired_token_is_rejected(client: httpx.AsyncClient, app: FastAPI) -> None:
    header, claims = await _valid_claims(client)
    signed = _resign(app, header, {**claims, "exp": int(time.time()) - 60})
    assert (await _me(client, await signed)).status_code == 401


async def test_wrong_audience_is_rejected(client: httpx.AsyncClient, app: FastAPI) -> None:
    header, claims = await _valid_claims(client)
    signed = _resign(app, header, {**claims, "aud": "another-api"})
    assert (await _me(client, await signed)).status_code == 401


async def test_wrong_issuer_is_rejected(client: httpx.AsyncClient, app: FastAPI) -> None:
    header, claims = await _valid_claims(client)
    signed = _resign(app, header, {**claims, "iss": "someone-else"})
    assert (await _me(client, await signed)).status_code == 401


async def test_unknown_kid_is_rejected(client: httpx.AsyncClient) -> None:
    _header, claims = await _valid_claims(client)
    stranger = Ed25519PrivateKey.generate()
    forged = jwt.encode(claims, stranger, algorithm="EdDSA", headers={"kid": "not-ours"})
    assert (await _me(client, forged)).status_code == 401


async def test_foreign_key_with_known_kid_rejected(client: httpx.AsyncClient) -> None:
    header, claims = await _valid_claims(client)
    stranger = Ed25519PrivateKey.generate()
    forged = jwt.encode(claims, stranger, algorithm="EdDSA", headers={"kid": header["kid"]})
    assert (await _me(client, forged)).status_code == 401


@pytest.mark.parametrize("value", ["Bearer", "Bearer abc.def", "Basic YWRtaW46YWRtaW4="])
async def test_malformed_authorization_is_rejected(client: httpx.AsyncClient, value: str) -> None:
    response = await client.get("/v1/users/me", headers={"Authorization": value})
    assert response.status_code == 401


async def test_missing_credentials_is_401_with_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/users/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_rotated_key_signs_and_old_tokens_still_verify(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    from cuenty.identity.tokens import rotate_signing_key

    await register(client)
    old = await login(client, "ana@example.com")
    async with app.state.session_factory.begin() as session:
        new_key = await rotate_signing_key(session, app.state.settings)
    await app.state.authenticator.keys.reload()
    fresh = await login(client, "ana@example.com")
    assert jwt.get_unverified_header(str(fresh["accessToken"]))["kid"] == new_key.kid
    assert (await client.get("/v1/users/me", headers=bearer(old))).status_code == 200
    keys = (await client.get("/v1/auth/.well-known/jwks.json")).json()["keys"]
    assert len(keys) == 2


async def _resign_impl(app: FastAPI, header: dict[str, object], claims: dict[str, object]) -> str:
    from cuenty.identity.tokens import _private_key, ensure_signing_key

    async with app.state.session_factory() as session:
        key = await ensure_signing_key(session, app.state.settings)
        private_key = _private_key(key, app.state.settings)
    return jwt.encode(claims, private_key, algorithm="EdDSA", headers={"kid": header["kid"]})


def _resign(app: FastAPI, header: dict[str, object], claims: dict[str, object]):  # type: ignore[no-untyped-def]
    return _resign_impl(app, header, claims)
