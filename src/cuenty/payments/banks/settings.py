"""Settings of the bank gateways and the CEP check, read from `CUENTY_BANKS_*` variables.

A bank's HTTP adapter is used only when its base URL and credentials are all set. Secrets
(the STP key passphrase and each client secret) also accept `CUENTY_BANKS_<NAME>_FILE`
pointing to a file, so Docker secrets work. No secret has a default in any mode.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cuenty.config import read_secret_files

SECRET_FIELDS = (
    "stp_private_key_passphrase",
    "bbva_client_secret",
    "santander_client_secret",
    "banorte_client_secret",
)
URL_FIELDS = (
    "stp_base_url",
    "stp_orders_base_url",
    "bbva_base_url",
    "bbva_token_url",
    "santander_base_url",
    "santander_token_url",
    "banorte_base_url",
    "banorte_token_url",
    "cep_base_url",
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
OAUTH_BANKS = ("bbva", "santander", "banorte")


class BankSettings(BaseSettings):
    """Each field is the variable `CUENTY_BANKS_<FIELD>`; see docs/en/banking.md."""

    model_config = SettingsConfigDict(
        env_prefix="CUENTY_BANKS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="Seconds to wait for a bank before giving up."
    )

    # STP: balance and conciliation live on the "efws" host, order registration on "speiws".
    stp_base_url: str | None = None
    stp_orders_base_url: str | None = Field(
        default=None, description="Base URL of registraOrden; the STP base URL when unset."
    )
    stp_empresa: str | None = None
    stp_private_key_path: Path | None = None
    stp_private_key_passphrase: SecretStr | None = None
    stp_balance_path: str = "/efws/API/consultaSaldoCuenta"
    stp_conciliation_path: str = "/efws/API/V2/conciliacion"
    stp_register_order_path: str = "/speiws/rest/ordenPago/registra"
    stp_max_pages: int = Field(default=50, ge=1, le=1000)

    bbva_base_url: str | None = None
    bbva_token_url: str | None = None
    bbva_client_id: str | None = None
    bbva_client_secret: SecretStr | None = None
    bbva_scope: str | None = None
    bbva_cert_path: Path | None = None
    bbva_key_path: Path | None = None
    bbva_ca_path: Path | None = None
    bbva_balance_path: str = "/accounts/{account_id}/balances"
    bbva_transactions_path: str = "/accounts/{account_id}/transactions"

    santander_base_url: str | None = None
    santander_token_url: str | None = None
    santander_client_id: str | None = None
    santander_client_secret: SecretStr | None = None
    santander_scope: str | None = None
    santander_cert_path: Path | None = None
    santander_key_path: Path | None = None
    santander_ca_path: Path | None = None
    santander_balance_path: str = "/accounts/{account_id}/balances"
    santander_transactions_path: str = "/accounts/{account_id}/transactions"
    santander_scheduled_payments_path: str = "/accounts/{account_id}/scheduled-payments"

    banorte_base_url: str | None = None
    banorte_token_url: str | None = None
    banorte_client_id: str | None = None
    banorte_client_secret: SecretStr | None = None
    banorte_scope: str | None = None
    banorte_cert_path: Path | None = None
    banorte_key_path: Path | None = None
    banorte_ca_path: Path | None = None
    banorte_balance_path: str = "/cuentas/{account_id}/saldo"
    banorte_transactions_path: str = "/cuentas/{account_id}/movimientos"

    # Banxico's CEP site, as the cepmex package calls it.
    cep_base_url: str = "https://www.banxico.org.mx/cep"
    cep_timeout_seconds: float = Field(default=15.0, gt=0, le=120)

    @model_validator(mode="before")
    @classmethod
    def _read_secret_files(cls, data: Any) -> Any:
        return read_secret_files(data, "CUENTY_BANKS_", SECRET_FIELDS)
        for name in SECRET_FIELDS:
            if data.get(name) is not None:
                continue
            path = os.environ.get(f"CUENTY_BANKS_{name.upper()}_FILE")
            if path:
                data[name] = Path(path).read_text(encoding="utf-8").strip()
        return data

    @field_validator(*URL_FIELDS)
    @classmethod
    def _require_https(cls, value: str | None) -> str | None:
        """Reject plain HTTP except to this machine, because tokens and signed orders travel
        in these requests."""
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
            return value.rstrip("/")
        raise ValueError(f"{value!r} must be an https:// URL (http:// only for 127.0.0.1)")

    def stp_configured(self) -> bool:
        return bool(
            self.stp_base_url
            and self.stp_empresa
            and self.stp_private_key_path
            and self.stp_private_key_passphrase is not None
        )

    def oauth(self, bank: str) -> OAuthBankConfig | None:
        """Return the HTTP settings of an OAuth2 bank, or None while any required one is unset."""
        values = {name: getattr(self, f"{bank}_{name}") for name in OAuthBankConfig.FIELDS}
        secret = values.pop("client_secret")
        required = (values["base_url"], values["token_url"], values["client_id"], secret)
        if not all(required):
            return None
        if bank == "santander":
            values["scheduled_payments_path"] = self.santander_scheduled_payments_path
        return OAuthBankConfig(
            bank=bank,
            client_secret=secret.get_secret_value(),
            timeout_seconds=self.timeout_seconds,
            **values,
        )


@dataclass(frozen=True)
class OAuthBankConfig:
    """Resolved settings of one bank reached with OAuth2 client credentials."""

    FIELDS: ClassVar[tuple[str, ...]] = (
        "base_url",
        "token_url",
        "client_id",
        "client_secret",
        "scope",
        "cert_path",
        "key_path",
        "ca_path",
        "balance_path",
        "transactions_path",
    )

    bank: str
    base_url: str
    token_url: str
    client_id: str
    client_secret: str
    scope: str | None
    cert_path: Path | None
    key_path: Path | None
    ca_path: Path | None
    balance_path: str
    transactions_path: str
    timeout_seconds: float
    scheduled_payments_path: str | None = None


def bank_settings(state: Any) -> BankSettings:
    """Return the settings set on an app's state, else read the environment's once and keep
    them on the state, so gateways built from them (and their tokens) are reused."""
    found = getattr(state, "bank_settings", None)
    if isinstance(found, BankSettings):
        return found
    settings = BankSettings()
    state.bank_settings = settings
    return settings
