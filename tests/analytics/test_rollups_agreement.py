"""PostgreSQL's materialized views and SQLite's rollup tables agree: the same generated events
give the same dashboard JSON on both, equal to a stored snapshot, and incremental refreshes
give what a full rebuild gives."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.catalog.models import CatalogService
from tests.analytics.rollup_support import event, link, refresh, store
from tests.compliance.helpers import staff

SNAPSHOT = Path(__file__).with_name("dashboard_snapshot.json")
STATES = ("MX-JAL", "MX-CMX", "MX-NLE", "MX-YUC", "unknown")
START = datetime(2026, 2, 1, 6, 0, tzinfo=UTC)
RANGE = {"startDate": "2026-02-01", "endDate": "2026-03-15"}
# Fixed ids, so the snapshot names the same services and users on every run.
SERVICES = (uuid.UUID(int=101), uuid.UUID(int=102))


def generated_events() -> tuple[list[dict[str, Any]], list[tuple[str, uuid.UUID]]]:
    """About 40 people over six weeks: visits, some anonymous and linked, and their steps."""
    rng = random.Random(7)  # noqa: S311 - repeatable test data
    rows: list[dict[str, Any]] = []
    links: list[tuple[str, uuid.UUID]] = []
    for index in range(40):
        user = uuid.UUID(int=1000 + index)
        state = STATES[index % len(STATES)]
        visit = START + timedelta(hours=rng.randrange(0, 24 * 40), minutes=rng.randrange(60))
        anonymous = index % 4 == 0
        rows.append(
            event(
                "page_view",
                visit,
                user_id=None if anonymous else user,
                anonymous_id=f"anon-{index}" if anonymous else None,
                state_code=state,
                event_id=uuid.UUID(int=10_000 + index),
            )
        )
        if anonymous and index % 8 == 0:
            links.append((f"anon-{index}", user))
        moment = visit
        for step, number in (("signup", 1), ("payment", 2), ("activation", 3)):
            if rng.random() < 0.3:
                break
            moment += timedelta(hours=rng.randrange(1, 24 * 8))
            amount = f"{rng.choice([45, 99, 190])}.{rng.choice(['00', '50', '25'])}"
            rows.append(
                event(
                    step,
                    moment,
                    user_id=user,
                    state_code=state,
                    amount=amount if step == "payment" else None,
                    service_id=SERVICES[index % 2] if step != "signup" else None,
                    event_id=uuid.UUID(int=20_000 + index * 10 + number),
                )
            )
        if index % 9 == 0:
            rows.append(
                event(
                    "payment_returned",
                    moment + timedelta(days=1),
                    user_id=user,
                    state_code=state,
                    amount="-45.00",
                    service_id=SERVICES[0],
                    event_id=uuid.UUID(int=30_000 + index),
                )
            )
    return rows, links


async def _dashboard(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get("/v1/analytics/dashboard", params=RANGE, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    for key in ("asOf", "fresh", "servicesHealth"):
        body.pop(key)
    return body


async def _seed(app: FastAPI, engine: AsyncEngine) -> None:
    async with app.state.session_factory() as session, session.begin():
        session.add(CatalogService(id=SERVICES[0], name="Netflix", category="streaming"))
        session.add(CatalogService(id=SERVICES[1], name="Spotify", category="music"))
    rows, links = generated_events()
    await store(engine, *rows)
    for anonymous_id, user_id in links:
        await link(engine, anonymous_id, user_id)


async def test_dashboard_matches_snapshot(
    client: httpx.AsyncClient, app: FastAPI, engine: AsyncEngine
) -> None:
    _, headers = await staff(client, app, "ops@example.com", role="operations")
    await _seed(app, engine)
    await refresh(engine)
    body = await _dashboard(client, headers)

    assert SNAPSHOT.exists(), f"write {SNAPSHOT.name} from a checked run first"
    assert body == json.loads(SNAPSHOT.read_text())


async def test_incremental_equals_full_rebuild(
    client: httpx.AsyncClient, app: FastAPI, engine: AsyncEngine
) -> None:
    _, headers = await staff(client, app, "ops@example.com", role="operations")
    rows, links = generated_events()
    half = len(rows) // 2
    await _seed_catalog_only(app)
    await store(engine, *rows[:half])
    await refresh(engine)
    await store(engine, *rows[half:])
    for anonymous_id, user_id in links:
        await link(engine, anonymous_id, user_id)
    outcome = await refresh(engine)
    incremental = await _dashboard(client, headers)
    await refresh(engine, full=True)
    rebuilt = await _dashboard(client, headers)

    assert outcome.full is False
    assert incremental == rebuilt


async def _seed_catalog_only(app: FastAPI) -> None:
    async with app.state.session_factory() as session, session.begin():
        session.add(CatalogService(id=SERVICES[0], name="Netflix", category="streaming"))
        session.add(CatalogService(id=SERVICES[1], name="Spotify", category="music"))
