"""/v1/banking as operations staff use it: roles, the statement-file adapter on SQLite and
PostgreSQL, an HTTP adapter on a local server, and the problems for unconfigured banks and
failing upstreams."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from cuenty.payments.banks.settings import BankSettings
from cuenty.payments.models import BankStatementLine, StatementImport
from tests.commerce_support import person
from tests.payments.banks.support import (
    MockServer,
    OAuthState,
    json_reply,
    oauth_routes,
    serve,
    slow,
)

ACCOUNT = "0123456789"
PROBLEM = "application/problem+json"


async def staff(client: httpx.AsyncClient) -> dict[str, str]:
    return await person(client, "ops@example.com", "operations")


def use_settings(app: FastAPI, **values: object) -> None:
    app.state.bank_settings = BankSettings(_env_file=None, **values)  # type: ignore[arg-type]


async def add_import(
    app: FastAPI, bank: str, closing: str, created: datetime, lines: list[tuple[date, str]]
) -> None:
    async with app.state.session_factory() as session, session.begin():
        statement = StatementImport(
            file_name=f"{bank}.csv",
            file_sha256=uuid.uuid4().hex * 2,
            format="bank_csv",
            bank=bank,
            account_id=ACCOUNT,
            lines_read=len(lines),
            credits=len(lines),
            debits=0,
            duplicates=0,
            rejected=0,
            closing_balance=Decimal(closing),
            actor_type="staff",
            created_at=created,
        )
        session.add(statement)
        await session.flush()
        for booking_date, amount in lines:
            session.add(
                BankStatementLine(
                    line_key=uuid.uuid4().hex,
                    import_id=statement.id,
                    bank=bank,
                    account_id=ACCOUNT,
                    booking_date=booking_date,
                    value_date=booking_date,
                    amount=Decimal(amount),
                    currency="MXN",
                    description="SPEI RECIBIDO",
                    tracking_key="BNET01",
                    numeric_reference="1234567",
                )
            )


async def test_customer_forbidden(client: httpx.AsyncClient) -> None:
    headers = await person(client, "ana@example.com", "customer")

    response = await client.get(
        "/v1/banking/balance/bbva", params={"accountId": ACCOUNT}, headers=headers
    )

    assert response.status_code == 403


async def test_anonymous_rejected(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/banking/balance/bbva", params={"accountId": ACCOUNT})

    assert response.status_code == 401


async def test_unconfigured_bank_is_503(client: httpx.AsyncClient, app: FastAPI) -> None:
    use_settings(app)
    headers = await staff(client)

    response = await client.get(
        "/v1/banking/balance/banorte", params={"accountId": ACCOUNT}, headers=headers
    )

    assert response.status_code == 503
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == "bank_not_configured"
    assert "available" not in response.json()


async def test_unknown_bank_is_404(client: httpx.AsyncClient, app: FastAPI) -> None:
    use_settings(app)
    headers = await staff(client)

    response = await client.get(
        "/v1/banking/balance/hsbc", params={"accountId": ACCOUNT}, headers=headers
    )

    assert response.status_code == 404
    assert response.json()["code"] == "unknown_bank"


async def test_statement_balance_and_lines(client: httpx.AsyncClient, app: FastAPI) -> None:
    use_settings(app)
    headers = await staff(client)
    older = datetime(2026, 11, 1, tzinfo=UTC)
    newer = datetime(2026, 11, 20, tzinfo=UTC)
    await add_import(app, "bbva", "100.00", older, [(date(2026, 10, 31), "100.00")])
    await add_import(
        app,
        "bbva",
        "349.50",
        newer,
        [(date(2026, 11, 19), "299.00"), (date(2026, 11, 20), "-49.50")],
    )

    balance = await client.get(
        "/v1/banking/balance/bbva", params={"accountId": ACCOUNT}, headers=headers
    )
    moves = await client.get(
        "/v1/banking/bbva/transactions",
        params={"accountId": ACCOUNT, "from": "2026-11-01", "to": "2026-11-30"},
        headers=headers,
    )

    assert balance.status_code == 200
    assert balance.json()["available"] == 349.5
    assert balance.json()["source"] == "statements"
    assert moves.status_code == 200
    assert [item["amount"] for item in moves.json()["items"]] == [299.0, -49.5]
    assert moves.json()["items"][0]["trackingKey"] == "BNET01"
    assert moves.json()["from"] == "2026-11-01"


async def test_statement_other_account_is_404(client: httpx.AsyncClient, app: FastAPI) -> None:
    use_settings(app)
    headers = await staff(client)
    await add_import(app, "bbva", "1.00", datetime(2026, 11, 1, tzinfo=UTC), [])

    response = await client.get(
        "/v1/banking/balance/bbva", params={"accountId": "999"}, headers=headers
    )

    assert response.status_code == 404
    assert response.json()["code"] == "bank_account_not_found"


async def test_statement_santander_has_no_schedule(client: httpx.AsyncClient, app: FastAPI) -> None:
    use_settings(app)
    headers = await staff(client)
    await add_import(app, "santander", "1.00", datetime(2026, 11, 1, tzinfo=UTC), [])

    response = await client.get(
        "/v1/banking/santander/scheduled-payments", params={"accountId": ACCOUNT}, headers=headers
    )

    assert response.status_code == 404
    assert response.json()["code"] == "bank_operation_not_offered"


async def test_reversed_range_is_422(client: httpx.AsyncClient, app: FastAPI) -> None:
    use_settings(app)
    headers = await staff(client)

    response = await client.get(
        "/v1/banking/bbva/transactions",
        params={"accountId": ACCOUNT, "from": "2026-11-30", "to": "2026-11-01"},
        headers=headers,
    )

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_date_range"


async def test_long_range_is_422(client: httpx.AsyncClient, app: FastAPI) -> None:
    use_settings(app)
    headers = await staff(client)

    response = await client.get(
        "/v1/banking/bbva/transactions",
        params={"accountId": ACCOUNT, "from": "2026-01-01", "to": "2026-03-01"},
        headers=headers,
    )

    assert response.status_code == 422


@pytest.fixture
def santander_api() -> Iterator[tuple[MockServer, OAuthState]]:
    state = OAuthState(
        documents={
            "balance": {"availableBalance": "1500.10", "ledgerBalance": "1600.00"},
            "scheduled": {
                "scheduledPayments": [
                    {"paymentId": "P1", "executionDate": "2026-12-01", "amount": "99.00"}
                ]
            },
        }
    )
    paths = {
        f"/accounts/{ACCOUNT}/balances": "balance",
        f"/accounts/{ACCOUNT}/scheduled-payments": "scheduled",
    }
    with serve(MockServer(routes=oauth_routes(state, paths))) as mock:
        yield mock, state


def santander_settings(app: FastAPI, url: str, timeout: float = 2) -> None:
    use_settings(
        app,
        santander_base_url=url,
        santander_token_url=url + "/oauth/token",
        santander_client_id="cuenty-client",
        santander_client_secret=SecretStr("s3cret-value"),
        timeout_seconds=timeout,
    )


async def test_api_balance_reuses_token(
    client: httpx.AsyncClient, app: FastAPI, santander_api: tuple[MockServer, OAuthState]
) -> None:
    mock, state = santander_api
    santander_settings(app, mock.url)
    headers = await staff(client)

    first = await client.get(
        "/v1/banking/balance/santander", params={"accountId": ACCOUNT}, headers=headers
    )
    second = await client.get(
        "/v1/banking/balance/santander", params={"accountId": ACCOUNT}, headers=headers
    )

    assert first.status_code == 200
    assert first.json()["available"] == 1500.1
    assert first.json()["booked"] == 1600.0
    assert first.json()["source"] == "api"
    assert second.status_code == 200
    assert state.issued == ["token-1"]


async def test_api_scheduled_payments(
    client: httpx.AsyncClient, app: FastAPI, santander_api: tuple[MockServer, OAuthState]
) -> None:
    mock, _ = santander_api
    santander_settings(app, mock.url)
    headers = await staff(client)

    response = await client.get(
        "/v1/banking/santander/scheduled-payments", params={"accountId": ACCOUNT}, headers=headers
    )

    assert response.status_code == 200
    assert response.json()["items"][0]["amount"] == 99.0
    assert response.json()["items"][0]["date"] == "2026-12-01"


async def test_upstream_error_is_502(
    client: httpx.AsyncClient, app: FastAPI, santander_api: tuple[MockServer, OAuthState]
) -> None:
    mock, _ = santander_api
    mock.routes[("GET", f"/accounts/{ACCOUNT}/balances")] = lambda _: (
        503,
        {},
        b"backend db password=hunter2",
    )
    santander_settings(app, mock.url)
    headers = await staff(client)

    response = await client.get(
        "/v1/banking/balance/santander", params={"accountId": ACCOUNT}, headers=headers
    )

    assert response.status_code == 502
    assert response.json()["code"] == "bank_upstream_error"
    assert "hunter2" not in response.text


async def test_upstream_timeout_is_504(
    client: httpx.AsyncClient, app: FastAPI, santander_api: tuple[MockServer, OAuthState]
) -> None:
    mock, _ = santander_api
    path = f"/accounts/{ACCOUNT}/balances"
    mock.routes[("GET", path)] = slow(json_reply({"availableBalance": "1"}), 1.5)
    santander_settings(app, mock.url, timeout=0.3)
    headers = await staff(client)

    response = await client.get(
        "/v1/banking/balance/santander", params={"accountId": ACCOUNT}, headers=headers
    )

    assert response.status_code == 504
    assert response.json()["code"] == "bank_timeout"
