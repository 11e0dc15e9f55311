"""CLABEs given as input: the settings' prefix, and a deposit's beneficiary account."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from cuenty.payments.models import ReceivedTransfer
from cuenty.payments.settings import PaymentSettings
from tests.commerce_support import Catalog
from tests.payments.support import count_rows, order_state, order_with_spei, post_stp, stp_abono


@pytest.mark.parametrize(
    "prefix",
    [
        "9991801570",
        "0001801570",
        "646180157",
        "64618015700",
        "646180157a",
        "\uff16\uff14\uff161801570",
    ],
)
def test_prefix_setting_rejects_invalid(prefix: str) -> None:
    with pytest.raises(ValidationError):
        PaymentSettings(_env_file=None, clabe_prefix=prefix)  # type: ignore[call-arg]


def test_prefix_setting_rejects_invalid_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUENTY_PAYMENTS_CLABE_PREFIX", "9991801570")
    with pytest.raises(ValidationError):
        PaymentSettings(_env_file=None)  # type: ignore[call-arg]


def test_prefix_setting_accepts_stp() -> None:
    settings = PaymentSettings(_env_file=None, clabe_prefix="6461801570")  # type: ignore[call-arg]
    assert settings.clabe_prefix == "6461801570"


@pytest.mark.asyncio
async def test_deposit_to_wrong_control_digit_is_reviewed(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, instructions = await order_with_spei(client, catalog)
    clabe = instructions["clabe"]
    wrong = clabe[:17] + str((int(clabe[17]) + 1) % 10)

    response = await post_stp(client, stp_abono(wrong, f"{order['total']:.2f}", reference=0))

    assert response.status_code == 200
    assert await count_rows(app, ReceivedTransfer, ReceivedTransfer.state == "review") == 1
    assert await order_state(app, order["id"]) == "pending_payment"
