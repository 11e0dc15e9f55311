"""Training time and peak memory of the daily prediction run on a synthetic history.

Run: .venv/bin/python bench/analytics_ml.py [--subscriptions 20000] [--database URL]
Writes a synthetic history (one customer per subscription, with renewals, browser sessions
and payment events) into a fresh SQLite file or into the given database. Then it times
`analytics.ml.daily.recompute` and reads the peak resident memory of the process
(ru_maxrss) before and after the run.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import cuenty.models  # noqa: F401  (every table, for the foreign keys)
from cuenty.analytics.ml import daily
from cuenty.analytics.ml.models import Prediction, PredictionRun
from cuenty.analytics.ml.settings import MlSettings
from cuenty.analytics.ml.synthetic import generate
from cuenty.kit import migrate
from cuenty.kit.db import create_engine, create_session_factory, transaction

NOW = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main(subscriptions: int, database_url: str | None) -> None:
    from sqlalchemy import func, select

    folder = tempfile.mkdtemp(prefix="cuenty-ml-bench-")
    url = database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
    engine = create_engine(url)
    await migrate.upgrade(engine)
    factory = create_session_factory(engine)

    started = time.perf_counter()
    async with transaction(factory) as session:
        await generate(session, subscriptions=subscriptions, now=NOW, seed=11)
    print(
        f"history written: {subscriptions} subscriptions in {time.perf_counter() - started:.1f} s"
    )

    rss_before = peak_rss_mib()
    started = time.perf_counter()
    await daily.recompute(factory, now=NOW, settings=MlSettings(_env_file=None))  # type: ignore[call-arg]
    elapsed = time.perf_counter() - started
    async with factory() as session:
        runs = list(await session.scalars(select(PredictionRun).order_by(PredictionRun.id)))
        scored = await session.scalar(select(func.count()).select_from(Prediction))
    await engine.dispose()

    print(
        f"daily run: {elapsed:.1f} s; peak RSS {rss_before:.0f} MiB before, "
        f"{peak_rss_mib():.0f} MiB after"
    )
    for run in runs:
        scores = ", ".join(
            f"{item['name']} AUC {item['rocAuc']:.3f} Brier {item['brier']:.3f}"
            for item in run.metrics.get("models", [])
        )
        print(f"{run.kind}: {run.status}, {run.model_version}, sample {run.sample_size}. {scores}")
    print(f"subscriptions scored: {scored}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=20_000)
    parser.add_argument(
        "--database", default=None, help="Database URL (default: a new SQLite file)"
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.subscriptions, arguments.database))
