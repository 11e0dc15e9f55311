"""The redaction processor masks every kind of secret and personal datum before logging."""

from __future__ import annotations

import pytest

from cuenty.kit.redaction import REDACTED, redact_event, redact_text

JWT = (
    "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiI3ZjNhIiwicm9sZSI6ImN1c3RvbWVyIn0."
    "kR3b0zWq1N3o4hS9x2Vb7m1rPq0aZc8d5EfGh6IjKl"
)


def redact(**event: object) -> dict[str, object]:
    return redact_event(None, "info", dict(event))


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "newPassword",
        "api_key",
        "X-Api-Key",
        "Authorization",
        "refresh_token",
        "otp",
        "pin",
        "totp_secret",
        "credentials",
        "client_secret",
        "cookie",
    ],
)
def test_secret_keys_are_replaced(key: str) -> None:
    assert redact(**{key: "s3cr3t-value"})[key] == REDACTED


def test_nested_secret_keys_are_replaced() -> None:
    event = redact(payload={"account": {"email": "x", "password": "Netflix#2025"}})
    assert event["payload"]["account"]["password"] == REDACTED  # type: ignore[index]


def test_email_keeps_first_letter_and_domain() -> None:
    assert redact_text("cliente ana.lopez@gmail.com pagó") == "cliente a***@gmail.com pagó"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("+52 55 1234 5678", "***5678"),
        ("+525512345678", "***5678"),
        ("(33) 1234-5678", "***5678"),
        ("55.1234.5678", "***5678"),
        ("tel 8112345678 ok", "tel ***5678 ok"),
    ],
)
def test_phone_numbers_are_masked(text: str, kept: str) -> None:
    masked = redact_text(text)
    assert "1234" not in masked
    assert kept in masked


def test_clabe_keeps_last_four_digits() -> None:
    assert redact_text("CLABE 646180157000000004 recibida") == "CLABE **************0004 recibida"


@pytest.mark.parametrize(
    "card", ["4111 1111 1111 1111", "4111-1111-1111-1111", "5555555555554444", "378282246310005"]
)
def test_card_numbers_are_masked(card: str) -> None:
    masked = redact_text(f"tarjeta {card}")
    assert masked.endswith(card[-4:])
    assert card not in masked


@pytest.mark.parametrize(
    "identifier",
    ["LOPA800101AB1", "lopa800101ab1", "CUE201231A12", "LOPA800101HDFPPN09", "ÑUÑO800101AB1"],
    ids=["rfc-person", "rfc-lower-case", "rfc-company", "curp", "rfc-enye"],
)
def test_rfc_and_curp_are_replaced(identifier: str) -> None:
    masked = redact_text(f"ordenante ANA LOPEZ RFC {identifier}, monto 10.00")

    assert identifier not in masked
    assert masked == "ordenante ANA LOPEZ RFC [RFC/CURP], monto 10.00"


def test_dates_and_references_are_not_rfcs() -> None:
    text = "fecha 20261205 referencia 1234567 orden ABC-123456"

    assert redact_text(text) == text


def test_jwt_is_replaced() -> None:
    assert redact_text(f"token {JWT} expired") == "token [JWT] expired"


def test_bearer_header_value_is_masked() -> None:
    assert redact_text("Bearer abcdef0123456789xyz") == "Bearer ***"


@pytest.mark.parametrize(
    ("key", "prefix"),
    [
        ("cty_live_4fJk9QwErTy7UiOp2AsDfGhJ", "cty_live_***"),
        ("cty_test_Zx8Cv7Bn6Mm5Ll4Kk3Jj2Hh1", "cty_test_***"),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_***"),
    ],
)
def test_api_keys_and_webhook_secrets_are_masked(key: str, prefix: str) -> None:
    assert redact_text(f"key={key}") == f"key={prefix}"


def test_password_in_database_url_is_masked() -> None:
    url = "postgresql+psycopg://cuenty:Sup3rS3creta@db.internal:5432/cuenty"
    assert redact_text(url) == "postgresql+psycopg://cuenty:***@db.internal:5432/cuenty"


def test_password_in_query_string_is_masked() -> None:
    assert (
        redact_text("/login?user=ana&password=Hola123!&x=1") == "/login?user=ana&password=***&x=1"
    )


def test_prefixed_secret_in_query_string_is_masked() -> None:
    url = "https://example.test/mp/collect?measurement_id=G-1&api_secret=s3cr3tV4lue"
    assert redact_text(url) == "https://example.test/mp/collect?measurement_id=G-1&api_secret=***"


def test_amounts_dates_and_order_numbers_are_kept() -> None:
    text = "pedido CTY-20261204-A1B2C3 por $1,299.00 el 2026-12-04, referencia 1234567"
    assert redact_text(text) == text


def test_exception_values_are_redacted() -> None:
    event = redact(error=ValueError("no user ana@example.com"))
    assert event["error"] == "ValueError: no user a***@example.com"


def test_lists_are_redacted() -> None:
    event = redact(recipients=["ana@example.com", "+525512345678"])
    assert event["recipients"] == ["a***@example.com", "***5678"]
