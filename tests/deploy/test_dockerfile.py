"""deploy/docker/Dockerfile keeps its contract; no Docker engine runs here, so the file is
read, not built. The wheel the build stage installs is built and inspected."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.deploy.support import DEPLOY, ROOT

DOCKERFILE = DEPLOY / "docker" / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """Return (INSTRUCTION, arguments) pairs with continuation lines joined."""
    joined = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            found.append((keyword.upper(), arguments.strip()))
    return found


def arguments_of(keyword: str) -> list[str]:
    return [arguments for name, arguments in instructions() if name == keyword]


def test_two_stages_on_slim_python() -> None:
    assert arguments_of("ARG")[0] == "PYTHON_IMAGE=python:3.11-slim-bookworm"
    assert arguments_of("FROM") == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE} AS runtime"]


def test_installs_lock_then_wheel() -> None:
    runs = " ".join(arguments_of("RUN"))
    assert "pip install -r requirements/main.lock" in runs
    assert "pip wheel --no-deps" in runs
    assert "requirements/dev.lock" not in DOCKERFILE.read_text(encoding="utf-8")


def test_runtime_copies_only_virtualenv() -> None:
    stages = DOCKERFILE.read_text(encoding="utf-8").split("AS runtime", 1)[1]
    copies = [line for line in stages.splitlines() if line.startswith("COPY")]
    assert copies == ["COPY --from=build /opt/cuenty /opt/cuenty"]


def test_runs_as_non_root_user() -> None:
    users = arguments_of("USER")
    assert users == ["cuenty:cuenty"]
    assert "useradd --system --uid 10001" in " ".join(arguments_of("RUN"))


def test_healthcheck_uses_python_urllib() -> None:
    (healthcheck,) = arguments_of("HEALTHCHECK")
    assert "--interval=30s" in healthcheck
    assert "urllib.request.urlopen" in healthcheck
    assert "/health" in healthcheck
    assert "curl" not in DOCKERFILE.read_text(encoding="utf-8").replace("no curl", "")


def test_command_selects_service() -> None:
    assert arguments_of("ENTRYPOINT") == ['["cuenty"]']
    assert arguments_of("CMD") == ['["serve", "--host", "0.0.0.0"]']


def test_dockerignore_sends_only_sources() -> None:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line for line in lines if line and not line.startswith("#")]
    assert patterns[0] == "*"
    assert "!src/" in patterns
    assert "!requirements/main.lock" in patterns
    assert not any(pattern.startswith("!.env") for pattern in patterns)


@pytest.mark.slow
def test_wheel_contains_runtime_files(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"pip could not build the wheel here (no package index?): {result.stderr}")
    (wheel,) = tmp_path.glob("cuenty-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "cuenty/i18n/locales/es_MX/LC_MESSAGES/messages.po" in names
    assert "cuenty/migrations/script.py.mako" in names
    assert any(name.startswith("cuenty/migrations/versions/") for name in names)
    assert any(name.startswith("cuenty/notifications/templates/") for name in names)
