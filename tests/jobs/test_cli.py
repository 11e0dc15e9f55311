"""`cuenty jobs` and `cuenty worker` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cuenty.cli.main import app

runner = CliRunner()


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "jobs-cli.db"
    monkeypatch.setenv("CUENTY_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("CUENTY_ENVIRONMENT", "development")
    return path


def test_schedule_lists_next_runs() -> None:
    result = runner.invoke(app, ["jobs", "schedule"])

    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()[1:]}
    assert {"locks.cleanup_expired", "jobs.purge_finished", "webhooks.purge_history"} <= set(lines)
    assert "17 9 * * *" in lines["jobs.purge_finished"]
    assert " 03:17" in lines["jobs.purge_finished"]


def test_status_retry_and_cancel_on_sqlite(sqlite_env: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])

    status = runner.invoke(app, ["jobs", "status"])
    retry = runner.invoke(app, ["jobs", "retry", "999"])
    cancel = runner.invoke(app, ["jobs", "cancel", "999"])

    assert status.exit_code == 0, status.output
    assert "backend: embedded" in status.output
    assert "oldest waiting: none" in status.output
    assert retry.exit_code == 1
    assert "no job has id 999" in retry.output
    assert cancel.exit_code == 1


def test_worker_refuses_sqlite(sqlite_env: Path) -> None:
    result = runner.invoke(app, ["worker"])
    assert result.exit_code == 2
    assert "needs PostgreSQL" in result.output


def test_run_queues_a_known_job(sqlite_env: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])

    queued = runner.invoke(app, ["jobs", "run", "analytics.refresh_rollups"])
    status = runner.invoke(app, ["jobs", "status"])

    assert queued.exit_code == 0, queued.output
    assert "queued to run now" in queued.output
    assert "due and waiting: 1" in status.output


def test_run_refuses_an_unknown_job_and_bad_payload(sqlite_env: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])

    unknown = runner.invoke(app, ["jobs", "run", "analytics.nothing"])
    not_json = runner.invoke(app, ["jobs", "run", "analytics.refresh_rollups", "--payload", "{"])

    assert unknown.exit_code == 2
    assert "unknown job" in unknown.output
    assert not_json.exit_code == 2
