"""`cuenty statements import` and `cuenty reconcile` from the shell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cuenty.cli.main import app

runner = CliRunner()
SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture
def migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("CUENTY_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("CUENTY_ENVIRONMENT", "development")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return path


def report_of(output: str) -> dict[str, object]:
    return json.loads(output[output.index("{") :])


def sample(suffix: str) -> Path:
    return next(path for path in sorted(SAMPLES.iterdir()) if path.name.endswith(suffix))


def test_import_prints_the_report(migrated: Path) -> None:
    result = runner.invoke(app, ["statements", "import", str(sample(".csv"))])
    assert result.exit_code == 0, result.output
    assert report_of(result.output)["linesRead"] > 0  # type: ignore[operator]


def test_second_import_adds_nothing(migrated: Path) -> None:
    path = str(sample(".csv"))
    runner.invoke(app, ["statements", "import", path])
    again = report_of(runner.invoke(app, ["statements", "import", path]).output)
    assert again["newTransfers"] == 0


def test_unknown_file_exits_with_one(migrated: Path, tmp_path: Path) -> None:
    junk = tmp_path / "notas.txt"
    junk.write_text("esto no es un estado de cuenta\n")
    result = runner.invoke(app, ["statements", "import", str(junk)])
    assert result.exit_code == 1


def test_reconcile_prints_counts(migrated: Path) -> None:
    result = runner.invoke(app, ["reconcile"])
    assert report_of(result.output)["total"] == 0
