"""SPEI instruction generation throughput on PostgreSQL, beside a ceiling measured in the same
run: the same number of CLABE allocations and request rows written with bare SQL
(`nextval` + two INSERTs per order) on as many concurrent connections.

Each generation runs `payments.instructions.issue` in its own transaction, as the endpoint
does: it reads and locks the order, checks the balance, allocates the order's CLABE, writes
the request and publishes `payment.instructions_issued`.

Run: .venv/bin/python bench/spei_generation.py [--orders 2000] [--concurrency 8]
Needs PostgreSQL on 127.0.0.1:5432 (user postgres); a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from reconciliation import ADMIN, AMOUNT, _migrate  # noqa: E402

from cuenty.identity.access import Principal  # noqa: E402
from cuenty.kit.clock import utc_now  # noqa: E402
from cuenty.kit.db import create_engine, create_session_factory  # noqa: E402
from cuenty.payments.instructions import Issuer, issue  # noqa: E402
from cuenty.payments.models import Method  # noqa: E402
from cuenty.payments.settings import PaymentSettings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    name = f"cuenty_bench_spei_{uuid.uuid4().hex[:8]}"
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    dsn = f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        asyncio.run(_migrate(url))
        user, orders = _seed_orders(dsn, args.orders * 2)
        ceiling = asyncio.run(_ceiling(dsn, user, orders[: args.orders], args.concurrency))
        ours = asyncio.run(_ours(url, user, orders[args.orders :], args.concurrency))
        print(
            json.dumps(
                {
                    "orders": args.orders,
                    "concurrency": args.concurrency,
                    "ceiling_per_second": round(args.orders / ceiling),
                    "issue_per_second": round(args.orders / ours),
                    "ratio_to_ceiling": round(ours / ceiling, 1),
                }
            )
        )
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed_orders(dsn: str, count: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    user = uuid.uuid4()
    orders = [uuid.uuid4() for _ in range(count)]
    with psycopg.connect(dsn) as connection:
        connection.execute(
            "INSERT INTO users (id, email, name, role, is_active, created_at, updated_at) "
            "VALUES (%s, 'bench@example.com', 'Bench', 'customer', true, now(), now())",
            (user,),
        )
        with connection.cursor().copy(
            "COPY orders (id, number, user_id, kind, state, payment_state, subtotal, discount, "
            "iva, total, cost, profit, payment_expires_at, created_at, updated_at) FROM STDIN"
        ) as copy:
            for number, order in enumerate(orders):
                copy.write_row((order, f"CTY-BENCH-{number:08d}", user, "new", "pending_payment",
                                "unpaid", "257.76", "0", "41.24", AMOUNT, "200", "57.76",
                                "2099-01-01T00:00:00Z", "2026-01-01T00:00:00Z",
                                "2026-01-01T00:00:00Z"))
        connection.commit()
    return user, orders


async def _ceiling(dsn: str, user: uuid.UUID, orders: list[uuid.UUID], concurrency: int) -> float:
    queue: asyncio.Queue[uuid.UUID] = asyncio.Queue()
    for order in orders:
        queue.put_nowait(order)

    async def worker() -> None:
        async with await psycopg.AsyncConnection.connect(dsn) as connection:
            while not queue.empty():
                order = queue.get_nowait()
                async with connection.transaction():
                    row = await (await connection.execute(
                        "SELECT nextval('payment_clabe_seq')")).fetchone()
                    sequence = int(row[0]) + 5_000_000  # clear of the measured run's numbers
                    clabe = f"64618015700{sequence:07d}"[:18]
                    await connection.execute(
                        "INSERT INTO payment_order_clabes (clabe, order_id, user_id, sequence, "
                        "reference, created_at) VALUES (%s, %s, %s, %s, %s, now())",
                        (clabe, order, user, sequence, f"{sequence % 10_000_000:07d}"),
                    )
                    await connection.execute(
                        "INSERT INTO payment_requests (id, order_id, user_id, method, state, "
                        "clabe, reference, amount, amount_paid, bank_name, beneficiary, concept, "
                        "expires_at, created_at, updated_at) VALUES (%s, %s, %s, 'spei', "
                        "'pending', %s, '0000000', %s, 0, 'STP', 'CUENTY', 'Pago', "
                        "now() + interval '2 days', now(), now())",
                        (uuid.uuid4(), order, user, clabe, AMOUNT),
                    )

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def _ours(url: str, user: uuid.UUID, orders: list[uuid.UUID], concurrency: int) -> float:
    engine = create_engine(url, pool_size=concurrency)
    factory = create_session_factory(engine)
    issuer = Issuer(
        settings=PaymentSettings(clabe_prefix="6461801570"),
        company_name="CUENTY S.A. de C.V.",
        production=False,
    )
    principal = Principal(user_id=user, role="customer", scopes=frozenset({"orders:write"}))
    queue: asyncio.Queue[uuid.UUID] = asyncio.Queue()
    for order in orders:
        queue.put_nowait(order)

    async def worker() -> None:
        while not queue.empty():
            order = queue.get_nowait()
            async with factory() as session, session.begin():
                await issue(
                    session, issuer, order_id=order, amount=Decimal(AMOUNT),
                    method=Method.SPEI, principal=principal, now=utc_now(),
                )

    try:
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started
    finally:
        await engine.dispose()


if __name__ == "__main__":
    main()
