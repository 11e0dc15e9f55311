"""Webhook `data` of order and subscription events: the public view, never cost or
credentials."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from cuenty.kit.jobs import load_task_modules
from cuenty.webhooks.renderers import render_resource
from tests.commerce_support import person, seed_catalog

pytestmark = pytest.mark.asyncio


async def placed_order(app: FastAPI, client: httpx.AsyncClient) -> dict:
    catalog = await seed_catalog(app)
    headers = await person(client, "ana@example.com")
    body = {"items": [{"planId": str(catalog.spotify_month.id)}]}
    return (await client.post("/v1/orders", json=body, headers=headers)).json()


async def test_order_event_carries_the_order(app: FastAPI, client: httpx.AsyncClient) -> None:
    load_task_modules()
    order = await placed_order(app, client)
    async with app.state.session_factory() as session:
        data = await render_resource(session, "order.created", {"orderId": order["id"]})
    assert data["number"] == order["number"]
    assert data["total"] == 63.0


async def test_order_event_hides_cost_and_profit(app: FastAPI, client: httpx.AsyncClient) -> None:
    load_task_modules()
    order = await placed_order(app, client)
    async with app.state.session_factory() as session:
        data = await render_resource(session, "order.paid", {"orderId": order["id"]})
    assert {"cost", "profit"} & set(data) == set()
