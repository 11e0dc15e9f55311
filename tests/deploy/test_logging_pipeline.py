"""The Vector pipeline reads the fields the app really writes, and renames them to the names
the operations guide searches for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cuenty.app import create_app
from tests.commerce_support import person
from tests.conftest import client_for, make_settings
from tests.deploy.support import DEPLOY

VECTOR = DEPLOY / "logging" / "vector.yaml"


def remap_source() -> str:
    config = yaml.safe_load(VECTOR.read_text(encoding="utf-8"))
    return config["transforms"]["fields"]["source"]


def test_vector_config_shape() -> None:
    config = yaml.safe_load(VECTOR.read_text(encoding="utf-8"))
    assert config["sources"]["containers"]["type"] == "docker_logs"
    assert config["sinks"]["loki"]["inputs"] == ["fields"]
    assert set(config["sinks"]["loki"]["labels"]) == {"stack", "service", "level"}


def test_renames_to_searched_fields() -> None:
    source = remap_source()
    assert ".responseTime = del(.duration_ms)" in source
    assert ".userId = del(.user_id)" in source
    assert ".message = del(.event)" in source


async def test_app_line_has_fields_vector_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/logs.db", log_json=True, log_level="INFO"
    )
    app = create_app(settings, services=["auth"])
    async with app.router.lifespan_context(app), client_for(app) as client:
        from cuenty.kit.migrate import upgrade

        await upgrade(app.state.engine)
        headers = await person(client, "vector@example.com")
        capsys.readouterr()
        await client.get("/v1/users/me", headers=headers)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if "{" in line]
    request_line = next(line for line in lines if line.get("event") == "http.request")
    for field in ("duration_ms", "user_id", "event", "level", "service", "timestamp"):
        assert field in request_line, field
        assert f".{field}" in remap_source(), field
    assert request_line["service"] == "auth"
    assert request_line["level"] == "info"
