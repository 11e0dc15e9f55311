"""The audit trail's hash chain: it verifies, detects edited and removed rows, survives
suppression, and chains identity's security log."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from cuenty.compliance import tasks, trail
from cuenty.compliance.models import AuditTrail, DataChange
from cuenty.identity.models import AuditEvent
from cuenty.kit.clock import utc_now
from tests.compliance.helpers import customer

KEY = "clave-de-prueba"


async def _three_rows(session: AsyncSession, subject: uuid.UUID) -> list[AuditTrail]:
    actor = trail.Actor(ip_address="189.203.1.10", user_agent="Navegador/1.0")
    return [
        await trail.record(
            session,
            KEY,
            f"test.action_{number}",
            actor=actor,
            subject_user_id=subject,
            new_values={"telefono": "+52 55 1234 5678", "step": number},
        )
        for number in range(3)
    ]


async def test_chain_verifies(app: FastAPI) -> None:
    async with app.state.session_factory() as session, session.begin():
        await _three_rows(session, uuid.uuid4())
    async with app.state.session_factory() as session:
        assert await trail.verify(session, KEY) == []


async def test_values_are_masked(app: FastAPI) -> None:
    async with app.state.session_factory() as session, session.begin():
        rows = await _three_rows(session, uuid.uuid4())
    assert rows[0].new_values is not None
    assert "1234 5678" not in str(rows[0].new_values["telefono"])


async def test_edited_row_is_detected(app: FastAPI) -> None:
    async with app.state.session_factory() as session, session.begin():
        rows = await _three_rows(session, uuid.uuid4())
        await session.execute(
            update(AuditTrail).where(AuditTrail.id == rows[1].id).values(action="test.innocent")
        )
    async with app.state.session_factory() as session:
        breaks = await trail.verify(session, KEY)
    assert [(item.row_id, item.problem) for item in breaks] == [(rows[1].id, "row_changed")]


async def test_edited_personal_value_is_detected(app: FastAPI) -> None:
    async with app.state.session_factory() as session, session.begin():
        rows = await _three_rows(session, uuid.uuid4())
        await session.execute(
            update(AuditTrail).where(AuditTrail.id == rows[0].id).values(ip_address="10.0.0.1")
        )
    async with app.state.session_factory() as session:
        breaks = await trail.verify(session, KEY)
    assert [item.problem for item in breaks] == ["personal_values_changed"]


async def test_deleted_row_is_detected(app: FastAPI) -> None:
    async with app.state.session_factory() as session, session.begin():
        rows = await _three_rows(session, uuid.uuid4())
        await session.execute(delete(AuditTrail).where(AuditTrail.id == rows[1].id))
    async with app.state.session_factory() as session:
        breaks = await trail.verify(session, KEY)
    assert [(item.row_id, item.problem) for item in breaks] == [
        (rows[2].id, "previous_row_missing_or_changed")
    ]


async def test_suppression_keeps_chain_valid(app: FastAPI) -> None:
    subject = uuid.uuid4()
    async with app.state.session_factory() as session, session.begin():
        await _three_rows(session, subject)
        changed = await trail.suppress_subject(session, KEY, subject, utc_now())
    async with app.state.session_factory() as session:
        row = await session.get(AuditTrail, 1) or (await _first(session))
        breaks = await trail.verify(session, KEY)
    assert changed == 3
    assert row.ip_address is None
    assert breaks == []


async def test_security_log_is_chained(client: httpx.AsyncClient, app: FastAPI) -> None:
    await customer(client, "ana@example.com")
    key = app.state.settings.secret("secret_key")
    async with app.state.session_factory() as session, session.begin():
        first = await tasks.chain_identity_events(session, key)
    async with app.state.session_factory() as session, session.begin():
        second = await tasks.chain_identity_events(session, key)
    async with app.state.session_factory() as session:
        breaks = await trail.verify(session, key)
    assert first >= 1
    assert second == 0
    assert breaks == []


async def test_cli_reports_tampering(app: FastAPI) -> None:
    from cuenty.cli.main import app as cli

    async with app.state.session_factory() as session, session.begin():
        rows = await _three_rows(session, uuid.uuid4())
    runner = CliRunner()
    url = str(app.state.settings.database_url)
    env = {"CUENTY_DATABASE_URL": url, "CUENTY_SECRET_KEY": KEY}
    command = ["compliance", "verify-audit"]
    # The command runs its own event loop, so it runs in a thread beside the test's loop.
    clean = await asyncio.to_thread(runner.invoke, cli, command, env=env)
    assert clean.exit_code == 0, clean.output
    async with app.state.session_factory() as session, session.begin():
        await session.execute(
            update(AuditTrail).where(AuditTrail.id == rows[0].id).values(resource_id="x")
        )
    tampered = await asyncio.to_thread(runner.invoke, cli, command, env=env)
    assert tampered.exit_code == 1


async def _first(session: AsyncSession) -> AuditTrail:
    row = await session.scalar(select(AuditTrail).order_by(AuditTrail.id).limit(1))
    assert row is not None
    return row


async def test_rechaining_without_key_is_detected(app: FastAPI) -> None:
    async with app.state.session_factory() as session, session.begin():
        rows = await _three_rows(session, uuid.uuid4())
        rows[1].action = "test.innocent"
        previous = rows[0].row_hash
        for row in rows[1:]:
            row.prev_hash = previous
            row.row_hash = trail.row_hash("clave-adivinada", row)
            previous = row.row_hash
    async with app.state.session_factory() as session:
        breaks = await trail.verify(session, KEY)
    assert {item.row_id for item in breaks} == {rows[1].id, rows[2].id}


async def test_forged_suppression_is_detected(app: FastAPI) -> None:
    """Someone without the key rewrites a row's values and marks it suppressed."""
    async with app.state.session_factory() as session, session.begin():
        rows = await _three_rows(session, uuid.uuid4())
        await session.execute(
            update(AuditTrail)
            .where(AuditTrail.id == rows[1].id)
            .values(new_values={"step": "falso"}, suppressed_at=utc_now())
        )
    async with app.state.session_factory() as session:
        breaks = await trail.verify(session, KEY)
    problems = {item.problem for item in breaks if item.row_id == rows[1].id}
    assert "suppressed_row_has_personal_values" in problems
    assert "suppression_not_sealed" in problems


async def test_suppressed_at_edit_is_detected(app: FastAPI) -> None:
    subject = uuid.uuid4()
    async with app.state.session_factory() as session, session.begin():
        rows = await _three_rows(session, subject)
        await trail.suppress_subject(session, KEY, subject, utc_now())
        await session.execute(
            update(AuditTrail)
            .where(AuditTrail.id == rows[0].id)
            .values(suppressed_at=datetime(2020, 1, 1, tzinfo=UTC))
        )
    async with app.state.session_factory() as session:
        breaks = await trail.verify(session, KEY)
    assert [(item.row_id, item.problem) for item in breaks] == [
        (rows[0].id, "suppression_not_sealed")
    ]


async def test_late_committed_event_is_chained(app: FastAPI) -> None:
    """An event whose transaction commits after a higher id was copied is still copied."""
    key = app.state.settings.secret("secret_key")
    async with app.state.session_factory() as session, session.begin():
        session.add(AuditEvent(id=20, action="test.early_commit", details={}))
    async with app.state.session_factory() as session, session.begin():
        first = await tasks.chain_identity_events(session, key)
    async with app.state.session_factory() as session, session.begin():
        session.add(AuditEvent(id=10, action="test.late_commit", details={}))
    async with app.state.session_factory() as session, session.begin():
        second = await tasks.chain_identity_events(session, key)
    async with app.state.session_factory() as session:
        chained = set(
            await session.scalars(
                select(AuditTrail.action).where(AuditTrail.resource_type == "audit_event")
            )
        )
    assert first == 1
    assert second == 1
    assert "test.late_commit" in chained


async def test_late_committed_data_change_is_chained(app: FastAPI) -> None:
    key = app.state.settings.secret("secret_key")
    async with app.state.session_factory() as session, session.begin():
        session.add(
            DataChange(id=20, table_name="users", row_id="a", operation="UPDATE", db_user="x")
        )
    async with app.state.session_factory() as session, session.begin():
        first = await tasks.chain_data_changes(session, key)
    async with app.state.session_factory() as session, session.begin():
        session.add(
            DataChange(id=10, table_name="users", row_id="b", operation="UPDATE", db_user="x")
        )
    async with app.state.session_factory() as session, session.begin():
        second = await tasks.chain_data_changes(session, key)
    assert first == 1
    assert second == 1
