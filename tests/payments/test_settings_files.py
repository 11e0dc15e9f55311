"""Payment secrets read from files, as Docker secrets provide them."""

from __future__ import annotations

from pathlib import Path

import pytest

from cuenty.payments.settings import PaymentSettings


def test_bank_secrets_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = tmp_path / "bank-secrets.json"
    secrets.write_text('{"bbva": "desde-archivo"}\n', encoding="utf-8")
    monkeypatch.setenv("CUENTY_PAYMENTS_BANK_WEBHOOK_SECRETS_FILE", str(secrets))

    assert PaymentSettings(_env_file=None).bank_secret("BBVA") == "desde-archivo"


def test_variable_wins_over_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token = tmp_path / "codi-token"
    token.write_text("del-archivo", encoding="utf-8")
    monkeypatch.setenv("CUENTY_PAYMENTS_CODI_PROVIDER_TOKEN_FILE", str(token))
    monkeypatch.setenv("CUENTY_PAYMENTS_CODI_PROVIDER_TOKEN", "de-la-variable")

    settings = PaymentSettings(_env_file=None)

    assert settings.codi_provider_token is not None
    assert settings.codi_provider_token.get_secret_value() == "de-la-variable"
