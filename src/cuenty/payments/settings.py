"""Settings of payments, read from `CUENTY_PAYMENTS_*` environment variables and `.env`.

Bank notification secrets accept `CUENTY_PAYMENTS_BANK_WEBHOOK_SECRETS_FILE` (a JSON file), so
Docker secrets work.
"""

from __future__ import annotations

import ipaddress
import json
import re
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from cuenty.config import read_secret_files
from cuenty.mexico.clabe import bank_name

# Used in development mode when no prefix is set: STP's bank and plaza codes with company
# prefix 9999. CLABEs under it are routed nowhere, so production mode never uses it.
DEMO_CLABE_PREFIX = "6461809999"
CLABE_PREFIX_PATTERN = re.compile(r"^\d{10}$")
LOOPBACK = ("127.0.0.0/8", "::1/128")


class PaymentSettings(BaseSettings):
    """Each field is the variable `CUENTY_PAYMENTS_<FIELD>`."""

    model_config = SettingsConfigDict(
        env_prefix="CUENTY_PAYMENTS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    clabe_prefix: str | None = Field(
        default=None,
        description="Bank (3), plaza (3) and company (4) digits of the collection CLABEs, "
        "for example 6461801570 for STP company prefix 1570.",
    )
    beneficiary: str | None = Field(
        default=None, description="Beneficiary shown to customers; the company's legal name."
    )
    spei_window_hours: int = Field(default=48, ge=1, le=24 * 30)
    codi_window_minutes: int = Field(default=60, ge=5, le=24 * 60)
    amount_tolerance: Decimal = Field(
        default=Decimal("0.00"),
        ge=0,
        le=Decimal("100.00"),
        description="Largest difference in MXN that the amount-in-window rule accepts.",
    )
    reconcile_cron: str = Field(default="*/15 * * * *", description="When reconciliation runs.")
    bank_webhook_secrets: Annotated[dict[str, SecretStr], NoDecode] = Field(
        default_factory=dict,
        description='JSON object of bank code to HMAC secret, e.g. {"BBVA": "..."}.',
    )
    bank_webhook_tolerance_seconds: int = Field(default=300, ge=30, le=3600)
    stp_auth: Literal["ip", "mtls", "ip_and_mtls", "ip_or_mtls"] = "ip"
    stp_allowed_ips: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated addresses or networks of STP."
    )
    stp_mtls_header: str = Field(
        default="X-SSL-Client-Verify",
        description="Header the gateway sets to SUCCESS after verifying STP's client certificate.",
    )
    stp_company: str | None = Field(
        default=None, description="STP company name (`empresa`) expected in notifications."
    )
    stp_return_unknown_account: bool = Field(
        default=False, description="Return deposits to a CLABE that belongs to no order."
    )
    stp_return_closed_order: bool = Field(
        default=False, description="Return deposits for an order that is cancelled or expired."
    )
    stp_return_cause_unknown: int = Field(
        default=1, ge=1, le=99, description="STP return cause for an unknown account."
    )
    stp_return_cause_closed: int = Field(
        default=3, ge=1, le=99, description="STP return cause for a closed order's account."
    )
    codi_provider_url: str | None = None
    codi_provider_token: SecretStr | None = None
    codi_provider_name: str = "codi-http"

    @field_validator("clabe_prefix")
    @classmethod
    def _check_prefix(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not CLABE_PREFIX_PATTERN.match(value):
            raise ValueError("clabe_prefix must be 10 digits: bank, plaza and company")
        bank_name(value[:3])  # raises for an unknown bank code
        return value

    @field_validator("stp_allowed_ips", mode="before")
    @classmethod
    def _split_networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        for network in value:
            ipaddress.ip_network(network, strict=False)
        return value

    @field_validator("bank_webhook_secrets", mode="before")
    @classmethod
    def _parse_secrets(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = json.loads(value) if value.strip() else {}
        return {str(code).upper(): secret for code, secret in dict(value).items()}

    @model_validator(mode="before")
    @classmethod
    def _read_secret_files(cls, data: Any) -> Any:
        return read_secret_files(
            data, "CUENTY_PAYMENTS_", ("bank_webhook_secrets", "codi_provider_token")
        )

    @property
    def spei_window(self) -> timedelta:
        return timedelta(hours=self.spei_window_hours)

    @property
    def codi_window(self) -> timedelta:
        return timedelta(minutes=self.codi_window_minutes)

    def bank_secret(self, bank_code: str) -> str | None:
        secret = self.bank_webhook_secrets.get(bank_code.upper())
        return secret.get_secret_value() if secret else None

    def allows_stp_address(self, address: str | None, *, production: bool) -> bool:
        """Tell whether STP notifications may come from this address.

        With no list set, development mode accepts this machine only and production nothing.
        """
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        networks = self.stp_allowed_ips or ([] if production else list(LOOPBACK))
        return any(ip in ipaddress.ip_network(net, strict=False) for net in networks)


def payment_settings(state: Any) -> PaymentSettings:
    """Return the settings set on an app's state or a job's resources, else the environment's."""
    found = state.get("payment_settings") if isinstance(state, dict) else None
    found = found or getattr(state, "payment_settings", None)
    return found if isinstance(found, PaymentSettings) else PaymentSettings()
