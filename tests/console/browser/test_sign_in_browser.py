"""Signing in from a real browser: the forms, the cookies and the language switch."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import update

from cuenty.identity.models import User
from tests.conftest import TestDatabase, client_for
from tests.console.browser.conftest import screenshot
from tests.identity.helpers import PASSWORD, register


async def test_staff_signs_in_and_out(
    app: FastAPI, database: TestDatabase, page_factory: Any
) -> None:
    async with client_for(app) as api:
        await register(api, "ops@example.com")
    async with app.state.session_factory() as session, session.begin():
        await session.execute(
            update(User).where(User.email == "ops@example.com").values(role="admin")
        )
    page = await page_factory()
    await page.goto("/console/entrar")
    await screenshot(page, "console-sign-in", database)
    await page.get_by_label("Correo electrónico").fill("ops@example.com")
    await page.get_by_label("Contraseña").fill(PASSWORD)
    await page.get_by_role("button", name="Entrar").click()
    await page.wait_for_url("**/console/tablero**")
    cookies = {cookie["name"]: cookie for cookie in await page.context.cookies()}
    await page.get_by_role("button", name="Salir").click()
    await page.wait_for_url("**/console/entrar")
    left = {cookie["name"] for cookie in await page.context.cookies()}

    assert cookies["cuenty_console_access"]["httpOnly"] is True
    assert "cuenty_console_access" not in left
