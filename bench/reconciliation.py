"""Reconciliation of N received transfers against N open payment requests on PostgreSQL,
beside a ceiling measured in the same run: one set-based SQL statement pair that marks the
same transfers matched and writes their reconciliation rows, with no business rules.

Half the transfers went to their order's CLABE (rule 1), half to the company's main account
with the order's reference and exact amount (rule 2). Every match marks its order paid, writes
the order's state change, its events and its fulfilment job, as in production.

Run: .venv/bin/python bench/reconciliation.py [--sizes 10000 100000]
Needs PostgreSQL on 127.0.0.1:5432 (user postgres); a scratch database is created and dropped.
Each measured run happens in a child process, so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cuenty.kit import migrate  # noqa: E402
from cuenty.kit.db import create_engine, create_session_factory  # noqa: E402
from cuenty.mexico.clabe import build_clabe  # noqa: E402
from cuenty.payments.clabes import reference_of  # noqa: E402

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PREFIX = "6461801570"
AMOUNT = Decimal("299.00")

CEILING_SQL = (
    """
    INSERT INTO transaction_reconciliation
        (id, transfer_id, order_id, rule, amount, excess, actor_type, created_at)
    SELECT gen_random_uuid(), t.id, c.order_id, 'clabe', t.amount, 0, 'job', now()
    FROM received_transfers t
    JOIN payment_order_clabes c
      ON c.clabe = t.beneficiary_account OR c.reference = t.numeric_reference
    WHERE t.state = 'unmatched'
    """,
    "UPDATE received_transfers SET state = 'matched' WHERE state = 'unmatched'",
    "UPDATE orders SET state = 'paid', payment_state = 'paid', paid_at = now()",
)
RESET_SQL = (
    "DELETE FROM transaction_reconciliation",
    "UPDATE received_transfers SET state = 'unmatched'",
    "UPDATE orders SET state = 'pending_payment', payment_state = 'unpaid', paid_at = NULL",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(_measure(args.child))))
        return
    for size in args.sizes:
        print(json.dumps(_one_size(size)), flush=True)


def _one_size(size: int) -> dict[str, object]:
    name = f"cuenty_bench_recon_{uuid.uuid4().hex[:8]}"
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        asyncio.run(_migrate(url))
        dsn = f"postgresql://postgres@127.0.0.1:5432/{name}"
        started = time.perf_counter()
        _seed(dsn, size)
        seed_seconds = time.perf_counter() - started
        ceiling = _ceiling(dsn)
        ours = json.loads(
            subprocess.run(  # noqa: S603 - runs this same script
                [sys.executable, __file__, "--child", url],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip().splitlines()[-1]
        )
        return {
            "transfers": size,
            "seed_seconds": round(seed_seconds, 1),
            "ceiling_seconds": round(ceiling, 2),
            "reconcile_seconds": round(ours["seconds"], 1),
            "per_transfer_ms": round(ours["seconds"] * 1000 / size, 3),
            "ratio_to_ceiling": round(ours["seconds"] / ceiling, 1),
            "reconciled": ours["reconciled"],
            "peak_rss_mib": ours["peak_rss_mib"],
        }
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()


def _seed(dsn: str, size: int) -> None:
    """Write one customer, N pending orders with CLABEs and requests, N waiting transfers."""
    user = uuid.uuid4()
    with psycopg.connect(dsn) as connection:
        connection.execute(
            "INSERT INTO users (id, email, name, role, is_active, created_at, updated_at) "
            "VALUES (%s, 'bench@example.com', 'Bench', 'customer', true, now(), now())",
            (user,),
        )
        orders = [uuid.uuid4() for _ in range(size)]
        with connection.cursor().copy(
            "COPY orders (id, number, user_id, kind, state, payment_state, subtotal, discount, "
            "iva, total, cost, profit, payment_expires_at, created_at, updated_at) FROM STDIN"
        ) as copy:
            for number, order in enumerate(orders):
                copy.write_row((order, f"CTY-BENCH-{number:08d}", user, "new", "pending_payment",
                                "unpaid", "257.76", "0", "41.24", AMOUNT, "200", "57.76",
                                "2099-01-01T00:00:00Z", "2026-01-01T00:00:00Z",
                                "2026-01-01T00:00:00Z"))
        clabes = [build_clabe(PREFIX, n + 1, sequence_digits=7) for n in range(size)]
        with connection.cursor().copy(
            "COPY payment_order_clabes (clabe, order_id, user_id, sequence, reference, "
            "created_at) FROM STDIN"
        ) as copy:
            for n, order in enumerate(orders):
                copy.write_row((clabes[n], order, user, n + 1, reference_of(n + 1),
                                "2026-01-01T00:00:00Z"))
        with connection.cursor().copy(
            "COPY payment_requests (id, order_id, user_id, method, state, clabe, reference, "
            "amount, amount_paid, bank_name, beneficiary, concept, expires_at, created_at, "
            "updated_at) FROM STDIN"
        ) as copy:
            for n, order in enumerate(orders):
                copy.write_row((uuid.uuid4(), order, user, "spei", "pending", clabes[n],
                                reference_of(n + 1), AMOUNT, "0", "STP", "CUENTY", "Pago",
                                "2099-01-01T00:00:00Z", "2026-01-01T00:00:00Z",
                                "2026-01-01T00:00:00Z"))
        with connection.cursor().copy(
            "COPY received_transfers (id, natural_key, source, state, tracking_key, "
            "operation_date, sender_institution, amount, beneficiary_account, "
            "numeric_reference, received_at, created_at, updated_at) FROM STDIN"
        ) as copy:
            for n in range(size):
                to_clabe = n % 2 == 0
                copy.write_row((uuid.uuid4(), f"spei|BENCH{n:010d}|20260102|40012",
                                "stp_notification", "unmatched", f"BENCH{n:010d}",
                                "2026-01-02", "40012", AMOUNT,
                                clabes[n] if to_clabe else "646180157000000004",
                                None if to_clabe else reference_of(n + 1),
                                "2026-01-02T00:00:00Z", "2026-01-02T00:00:00Z",
                                "2026-01-02T00:00:00Z"))
        connection.commit()
        connection.execute("ANALYZE")


def _ceiling(dsn: str) -> float:
    with psycopg.connect(dsn) as connection:
        started = time.perf_counter()
        for statement in CEILING_SQL:
            connection.execute(statement)
        connection.commit()
        elapsed = time.perf_counter() - started
        for statement in RESET_SQL:
            connection.execute(statement)
        connection.commit()
    return elapsed


async def _measure(url: str) -> dict[str, object]:
    from cuenty.kit.clock import utc_now
    from cuenty.payments import reconciliation

    engine = create_engine(url)
    try:
        started = time.perf_counter()
        report = await reconciliation.run_batches(
            create_session_factory(engine), tolerance=Decimal("0"), now=utc_now()
        )
        seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    return {
        "seconds": seconds,
        "reconciled": report.reconciled,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


if __name__ == "__main__":
    main()
