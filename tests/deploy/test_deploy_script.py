"""deploy.sh and the PostgreSQL scripts pass shellcheck and reject bad arguments before
they call Docker."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.deploy.support import DEPLOY, require_tool

SWARM = DEPLOY / "swarm"
SCRIPTS = (
    SWARM / "deploy.sh",
    SWARM / "postgres" / "primary-init.sh",
    SWARM / "postgres" / "replica-entrypoint.sh",
)


def deploy(*arguments: str, env_file: str = ".env.example") -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "CUENTY_ENV_FILE": str(SWARM / env_file)}
    return subprocess.run(
        ["bash", str(SWARM / "deploy.sh"), *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_scripts_pass_shellcheck() -> None:
    shellcheck = require_tool("shellcheck")
    result = subprocess.run(
        [shellcheck, *map(str, SCRIPTS)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout


def test_unknown_command_prints_usage() -> None:
    result = deploy("launch")
    assert result.returncode == 2
    assert "deploy.sh rollback" in result.stderr


def test_scale_rejects_bad_count() -> None:
    require_tool("docker")
    result = deploy("scale", "payments=many")
    assert result.returncode == 1
    assert "invalid argument payments=many" in result.stderr


def test_env_values_read_literally(tmp_path: Path) -> None:
    require_tool("docker")
    env_file = tmp_path / ".env"
    marker = tmp_path / "evaluated"
    env_file.write_text(f"CUENTY_COMPANY_LEGAL_NAME=CUENTY S.A. de C.V.\nX=$(touch {marker})\n")
    result = deploy("scale", "payments=many", env_file=str(env_file))
    assert "invalid argument payments=many" in result.stderr
    assert "command not found" not in result.stderr
    assert not marker.exists()


def test_missing_env_file_reported() -> None:
    require_tool("docker")
    result = deploy("status", env_file="no-such.env")
    assert result.returncode == 1
    assert "no-such.env not found" in result.stderr


def test_init_rejects_short_secret(tmp_path: Path) -> None:
    # A docker stand-in: the swarm is active and no secret exists yet.
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "docker").write_text(
        '#!/bin/sh\ncase "$1" in info) echo active ;; secret) exit 1 ;; esac\n'
    )
    (fake / "docker").chmod(0o755)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "cuenty_secret_key").write_text("too-short")
    environment = {
        **os.environ,
        "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}",
        "CUENTY_SECRETS_DIR": str(secrets),
    }
    result = subprocess.run(
        ["bash", str(SWARM / "deploy.sh"), "init"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert "shorter than 32 characters" in result.stderr
