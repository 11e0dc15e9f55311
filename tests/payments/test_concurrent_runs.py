"""Reconciliation runs that overlap, batches that fail, and money that goes back."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from cuenty.kit import locks
from cuenty.kit.clock import utc_now
from cuenty.orders import service as orders_service
from cuenty.orders.models import Order
from cuenty.payments import reconciliation
from cuenty.payments.models import (
    CustomerCredit,
    ReceivedTransfer,
    Reconciliation,
    TransferSource,
)
from cuenty.payments.transfers import IncomingTransfer, store
from tests.commerce_support import Catalog
from tests.payments.support import (
    count_rows,
    now_ms,
    operator,
    order_state,
    order_with_spei,
    post_stp,
    stp_abono,
    stp_list,
    stp_list_entry,
    upload_statement,
)

pytestmark = pytest.mark.asyncio
ZERO = Decimal("0")


async def waiting_transfer(app: FastAPI, clabe: str, amount: str) -> uuid.UUID:
    now = utc_now()
    incoming = IncomingTransfer(
        source=TransferSource.STATEMENT,
        amount=Decimal(amount),
        operation_date=now.date(),
        received_at=now,
        beneficiary_account=clabe,
        source_key=f"line|{uuid.uuid4().hex}",
    )
    async with app.state.session_factory() as session, session.begin():
        return (await store(session, incoming, now)).transfer.id


async def overlapping_runs(app: FastAPI) -> None:
    """Run twice: the second starts while the first has matched but not committed."""
    factory = app.state.session_factory
    first = factory()
    await first.begin()
    await reconciliation.run(first, tolerance=ZERO, now=utc_now())

    async def second() -> None:
        try:
            async with factory() as session, session.begin():
                await reconciliation.run(session, tolerance=ZERO, now=utc_now())
        except OperationalError:
            # SQLite refuses a writer whose snapshot went stale ("database is locked"); the
            # run writes nothing. PostgreSQL skips the rows the first run holds.
            pass

    task = asyncio.create_task(second())
    await asyncio.sleep(0.5)
    await first.commit()
    await first.close()
    await asyncio.wait_for(task, 30)


async def active_credits(app: FastAPI, transfer_id: uuid.UUID) -> int:
    return await count_rows(
        app,
        Reconciliation,
        Reconciliation.transfer_id == transfer_id,
        Reconciliation.undone_at.is_(None),
    )


async def test_overlapping_runs_credit_a_partial_deposit_once(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, _, instructions = await order_with_spei(client, catalog, quantity=3)
    transfer_id = await waiting_transfer(app, instructions["clabe"], "10.00")

    await overlapping_runs(app)

    assert await active_credits(app, transfer_id) == 1


async def test_overlapping_runs_keep_a_full_deposit_matched(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, instructions = await order_with_spei(client, catalog)
    transfer_id = await waiting_transfer(app, instructions["clabe"], f"{order['total']:.2f}")

    await overlapping_runs(app)

    async with app.state.session_factory() as session:
        transfer = await session.get(ReceivedTransfer, transfer_id)
        assert transfer is not None
        assert transfer.state == "matched"
    assert await active_credits(app, transfer_id) == 1


async def test_failed_batch_is_matched_one_by_one(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, order, instructions = await order_with_spei(client, catalog)
    await waiting_transfer(app, instructions["clabe"], f"{order['total']:.2f}")
    real = orders_service.confirm_payments
    calls = {"count": 0}

    async def fails_once(*args: object, **kwargs: object) -> None:
        calls["count"] += 1
        if calls["count"] == 1:
            raise RuntimeError("the batch fails once")
        await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(orders_service, "confirm_payments", fails_once)
    async with app.state.session_factory() as session, session.begin():
        report = await reconciliation.run(session, tolerance=ZERO, now=utc_now())

    assert report.reconciled == 1
    assert await order_state(app, order["id"]) == "paid"


async def test_database_error_leaves_other_transfers_matched(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, instructions = await order_with_spei(client, catalog)
    _, other, other_instructions = await order_with_spei(client, catalog, email="b@example.com")
    # An over-payment whose customer credit row already exists: its INSERT fails.
    broken = await waiting_transfer(app, instructions["clabe"], f"{order['total'] + 5:.2f}")
    await waiting_transfer(app, other_instructions["clabe"], f"{other['total']:.2f}")
    async with app.state.session_factory() as session, session.begin():
        owner = await session.get(Order, uuid.UUID(order["id"]))
        assert owner is not None
        session.add(CustomerCredit(user_id=owner.user_id, transfer_id=broken, amount=Decimal("1")))

    async with app.state.session_factory() as session, session.begin():
        await reconciliation.run(session, tolerance=ZERO, now=utc_now())

    assert await order_state(app, other["id"]) == "paid"
    async with app.state.session_factory() as session:
        transfer = await session.get(ReceivedTransfer, broken)
        assert transfer is not None
        assert transfer.state == "review"


async def test_amount_rule_after_partial_payment(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, instructions = await order_with_spei(client, catalog)
    await post_stp(client, stp_abono(instructions["clabe"], "50.05"))
    rest = f"{Decimal(str(order['total'])) - Decimal('50.05'):.2f}"

    await post_stp(client, stp_abono("646180157099999990", rest, reference=0, settled_ms=now_ms()))

    assert await order_state(app, order["id"]) == "paid"


async def test_returned_overpayment_voids_its_credit(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    _, order, instructions = await order_with_spei(client, catalog)
    tracking = f"RET{uuid.uuid4().hex[:10].upper()}"
    amount = f"{order['total'] + 25:.2f}"
    await post_stp(client, stp_abono(instructions["clabe"], amount, tracking=tracking))
    returned = stp_list(stp_list_entry(instructions["clabe"], amount, tracking, state="D"))

    await upload_statement(client, await operator(client), "lista.json", returned)

    assert await count_rows(app, CustomerCredit, CustomerCredit.state == "available") == 0


async def test_second_run_waits_for_the_first(app: FastAPI) -> None:
    factory = app.state.session_factory
    lease = await locks.acquire(
        factory, reconciliation.RUN_LOCK, owner="first-run", ttl=reconciliation.RUN_LEASE
    )
    assert lease is not None

    report = await reconciliation.run_batches(factory, tolerance=ZERO, now=utc_now())

    assert report.skipped


async def test_run_asked_during_another_is_skipped(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    lease = await locks.acquire(
        app.state.session_factory,
        reconciliation.RUN_LOCK,
        owner="job-run",
        ttl=reconciliation.RUN_LEASE,
    )
    assert lease is not None

    response = await client.post("/v1/payments/reconciliation/auto", headers=await operator(client))

    assert response.json()["skipped"] is True


async def test_return_after_payment_keeps_the_payment_record(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    headers, order, instructions = await order_with_spei(client, catalog)
    tracking = f"RET{uuid.uuid4().hex[:10].upper()}"
    amount = f"{order['total']:.2f}"
    await post_stp(client, stp_abono(instructions["clabe"], amount, tracking=tracking))
    returned = stp_list(stp_list_entry(instructions["clabe"], amount, tracking, state="D"))

    await upload_statement(client, await operator(client), "lista.json", returned)

    payment = await client.get(f"/v1/payments/{instructions['paymentId']}", headers=headers)
    assert payment.json()["amountPaid"] == order["total"]
