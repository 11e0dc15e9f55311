"""Bank settings: secrets from `_FILE` variables, https-only URLs, when a bank counts as
configured, and messages in Spanish by default."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr, ValidationError

from cuenty.payments.banks.settings import BankSettings
from tests.commerce_support import person


def test_secret_read_from_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret_file = tmp_path / "bbva-secret"
    secret_file.write_text("from-a-file\n", encoding="utf-8")
    monkeypatch.setenv("CUENTY_BANKS_BBVA_CLIENT_SECRET_FILE", str(secret_file))

    settings = BankSettings(_env_file=None)  # type: ignore[call-arg]

    assert settings.bbva_client_secret is not None
    assert settings.bbva_client_secret.get_secret_value() == "from-a-file"


def test_plain_http_rejected_off_loopback() -> None:
    with pytest.raises(ValidationError):
        BankSettings(_env_file=None, bbva_base_url="http://api.bbva.example")  # type: ignore[call-arg]


def test_plain_http_allowed_on_loopback() -> None:
    settings = BankSettings(_env_file=None, bbva_base_url="http://127.0.0.1:9/")  # type: ignore[call-arg]

    assert settings.bbva_base_url == "http://127.0.0.1:9"


def test_oauth_needs_every_credential() -> None:
    partial = BankSettings(
        _env_file=None,  # type: ignore[call-arg]
        banorte_base_url="https://api.banorte.example",
        banorte_token_url="https://api.banorte.example/token",
        banorte_client_id="cuenty",
    )
    complete = partial.model_copy(update={"banorte_client_secret": SecretStr("x")})

    assert partial.oauth("banorte") is None
    assert complete.oauth("banorte") is not None


def test_no_secret_has_a_default() -> None:
    settings = BankSettings(_env_file=None)  # type: ignore[call-arg]

    assert settings.stp_private_key_passphrase is None
    assert settings.santander_client_secret is None
    assert settings.stp_configured() is False


def test_secret_hidden_in_repr() -> None:
    settings = BankSettings(_env_file=None, santander_client_secret=SecretStr("hunter2"))  # type: ignore[call-arg]

    assert "hunter2" not in repr(settings)


async def test_unreadable_stp_key_is_503(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    app.state.bank_settings = BankSettings(
        _env_file=None,  # type: ignore[call-arg]
        stp_base_url="http://127.0.0.1:9",
        stp_empresa="CUENTY",
        stp_private_key_path=tmp_path / "missing.pem",
        stp_private_key_passphrase=SecretStr("x"),
    )
    headers = await person(client, "ops@example.com", "operations")

    response = await client.get(
        "/v1/banking/balance/stp", params={"accountId": "646180157000000004"}, headers=headers
    )

    assert response.status_code == 503
    assert response.json()["code"] == "bank_not_configured"


async def test_problem_in_spanish(client: httpx.AsyncClient, app: FastAPI) -> None:
    app.state.bank_settings = BankSettings(_env_file=None)  # type: ignore[call-arg]
    headers = await person(client, "ops@example.com", "operations")

    response = await client.get(
        "/v1/banking/balance/bbva", params={"accountId": "1"}, headers=headers
    )

    assert response.json()["title"] == "Banco no configurado"


async def test_unreadable_client_cert_is_503(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    app.state.bank_settings = BankSettings(
        _env_file=None,  # type: ignore[call-arg]
        bbva_base_url="https://127.0.0.1:9",
        bbva_token_url="https://127.0.0.1:9/token",
        bbva_client_id="cuenty",
        bbva_client_secret=SecretStr("x"),
        bbva_cert_path=tmp_path / "missing.crt",
        bbva_key_path=tmp_path / "missing.key",
    )
    headers = await person(client, "ops@example.com", "operations")

    response = await client.get(
        "/v1/banking/balance/bbva", params={"accountId": "1"}, headers=headers
    )

    assert response.status_code == 503
    assert response.json()["code"] == "bank_not_configured"
