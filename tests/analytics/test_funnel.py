"""Funnel counting against hand-computed journeys: order of steps, window edges, day
boundaries in Mexico City, anonymous visits linked to users."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.analytics.rollups import relations
from cuenty.analytics.rollups.funnel import build_journey
from cuenty.analytics.rollups.models import FunnelJourney
from tests.analytics.rollup_support import at, event, link, refresh, store

WINDOW = timedelta(days=14)


def test_journey_walks_steps_in_order() -> None:
    visit = at("2026-03-01T10:00:00-06:00")
    steps = [
        ("payment", at("2026-03-01T09:00:00-06:00")),  # before the signup: does not count
        ("signup", at("2026-03-01T11:00:00-06:00")),
        ("payment", at("2026-03-02T11:00:00-06:00")),
        ("activation", at("2026-03-02T12:00:00-06:00")),
    ]
    journey = build_journey("user:x", None, visit, steps, WINDOW)
    assert journey.reached["signup"] == at("2026-03-01T11:00:00-06:00")
    assert journey.reached["payment"] == at("2026-03-02T11:00:00-06:00")
    assert journey.reached["activation"] == at("2026-03-02T12:00:00-06:00")


def test_journey_ignores_step_before_previous() -> None:
    visit = at("2026-03-01T10:00:00-06:00")
    steps = [
        ("signup", at("2026-03-02T10:00:00-06:00")),
        ("payment", at("2026-03-01T12:00:00-06:00")),  # paid before signing up
    ]
    journey = build_journey("user:x", None, visit, steps, WINDOW)
    assert "signup" in journey.reached
    assert "payment" not in journey.reached


def test_journey_window_edge_is_inclusive() -> None:
    visit = at("2026-03-01T10:00:00-06:00")
    on_edge = [("signup", visit + WINDOW)]
    past_edge = [("signup", visit + WINDOW + timedelta(seconds=1))]
    assert "signup" in build_journey("a", None, visit, on_edge, WINDOW).reached
    assert "signup" not in build_journey("a", None, visit, past_edge, WINDOW).reached


def test_journey_stops_at_missing_step() -> None:
    visit = at("2026-03-01T10:00:00-06:00")
    steps = [("payment", at("2026-03-02T10:00:00-06:00"))]
    journey = build_journey("a", None, visit, steps, WINDOW)
    assert journey.reached == {}


def test_journey_dated_by_mexico_city_day() -> None:
    # 23:30 in Mexico City is 05:30 UTC of the next day.
    journey = build_journey("a", None, at("2026-03-01T23:30:00-06:00"), [], WINDOW)
    assert journey.cohort_date.isoformat() == "2026-03-01"


async def _funnel_rows(engine: AsyncEngine) -> dict[str, dict[str, object]]:
    table = relations.conversion_funnel
    async with engine.connect() as connection:
        rows = (await connection.execute(select(table).order_by(table.c.cohort_date))).all()
    return {row.cohort_date.isoformat(): dict(row._mapping) for row in rows}


async def test_funnel_counts_fixture(engine: AsyncEngine) -> None:
    ana, beto, carla = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await store(
        engine,
        # Ana: full funnel in two days, her visit sent anonymously and linked later.
        event("page_view", "2026-03-01T23:30:00-06:00", anonymous_id="anon-ana"),
        event("signup", "2026-03-02T00:10:00-06:00", user_id=ana),
        event("payment", "2026-03-02T01:10:00-06:00", user_id=ana, amount="45.00"),
        event("activation", "2026-03-02T01:40:00-06:00", user_id=ana),
        # Beto: signs up 15 days after his visit, outside the window.
        event("page_view", "2026-03-01T10:00:00-06:00", user_id=beto),
        event("signup", "2026-03-16T10:00:01-06:00", user_id=beto),
        # Carla: paid before signing up; only her signup counts.
        event("page_view", "2026-03-02T08:00:00-06:00", user_id=carla),
        event("payment", "2026-03-02T08:30:00-06:00", user_id=carla, amount="40.00"),
        event("signup", "2026-03-02T09:00:00-06:00", user_id=carla),
        # A visitor never linked: a visit only.
        event("page_view", "2026-03-02T09:00:00-06:00", anonymous_id="anon-x"),
    )
    await link(engine, "anon-ana", ana)
    await refresh(engine)

    rows = await _funnel_rows(engine)
    assert set(rows) == {"2026-03-01", "2026-03-02"}
    first, second = rows["2026-03-01"], rows["2026-03-02"]
    assert (first["visits"], first["signups"], first["payments"], first["activations"]) == (
        2,
        1,
        1,
        1,
    )
    assert (second["visits"], second["signups"], second["payments"]) == (2, 1, 0)
    assert first["median_seconds_to_signup"] == 40 * 60
    assert first["median_seconds_to_activation"] == 130 * 60
    assert second["median_seconds_to_signup"] == 3600


async def test_funnel_picks_up_late_link(engine: AsyncEngine) -> None:
    ana = uuid.uuid4()
    await store(
        engine,
        event("page_view", "2026-03-01T10:00:00-06:00", anonymous_id="anon-ana"),
        event("signup", "2026-03-01T11:00:00-06:00", user_id=ana),
    )
    await refresh(engine)
    before = await _funnel_rows(engine)
    await link(engine, "anon-ana", ana)
    await refresh(engine)
    after = await _funnel_rows(engine)

    assert before["2026-03-01"]["signups"] == 0
    assert after["2026-03-01"]["signups"] == 1
    assert after["2026-03-01"]["visits"] == 1


async def test_funnel_late_event_recomputes_old_day(engine: AsyncEngine) -> None:
    ana = uuid.uuid4()
    await store(engine, event("page_view", "2026-01-05T10:00:00-06:00", user_id=ana))
    await refresh(engine)
    await store(engine, event("signup", "2026-01-06T10:00:00-06:00", user_id=ana))
    outcome = await refresh(engine)

    assert outcome.full is False
    rows = await _funnel_rows(engine)
    assert rows["2026-01-05"]["signups"] == 1


async def test_funnel_journey_per_person(engine: AsyncEngine) -> None:
    ana = uuid.uuid4()
    await store(
        engine,
        event("page_view", "2026-03-01T10:00:00-06:00", user_id=ana),
        event("page_view", "2026-03-03T10:00:00-06:00", user_id=ana),
        event("page_view", "2026-03-02T10:00:00-06:00", anonymous_id="anon-ana"),
    )
    await link(engine, "anon-ana", ana)
    await refresh(engine)
    async with engine.connect() as connection:
        journeys = (await connection.execute(select(FunnelJourney.person_key))).scalars().all()
    assert journeys == [f"user:{ana}"]
