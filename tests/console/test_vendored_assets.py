"""The vendored browser assets: each file matches the SHA-256 in MANIFEST.json, every package
ships its licence texts, and the chart library runs under the console's CSP."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest

import cuenty.console

VENDOR = Path(cuenty.console.__file__).parent / "static" / "vendor"
MANIFEST = json.loads((VENDOR / "MANIFEST.json").read_text(encoding="utf-8"))
FILES = [
    (package["package"], entry) for package in MANIFEST["packages"] for entry in package["files"]
]
REQUIRED_LICENCE_FILES = {
    "echarts": {"echarts/LICENSE", "echarts/NOTICE"},
    "@svg-maps/mexico": {"svg-maps-mexico/LICENSE.md"},
}


@pytest.mark.parametrize(("package", "entry"), FILES, ids=[entry["path"] for _, entry in FILES])
def test_vendored_file_matches_manifest(package: str, entry: dict[str, str]) -> None:
    data = (VENDOR / entry["path"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"], f"{package}: {entry['path']}"


@pytest.mark.parametrize("package", sorted(REQUIRED_LICENCE_FILES))
def test_licence_files_are_vendored(package: str) -> None:
    listed = next(item for item in MANIFEST["packages"] if item["package"] == package)
    licence_paths = {entry["path"] for entry in listed["files"] if entry["licence"]}
    assert REQUIRED_LICENCE_FILES[package] <= licence_paths
    for path in REQUIRED_LICENCE_FILES[package]:
        assert (VENDOR / path).stat().st_size > 0, path


def test_manifest_names_version_licence_and_source() -> None:
    for package in MANIFEST["packages"]:
        assert package["version"], package["package"]
        assert package["licence"], package["package"]
        assert package["tarball"].startswith("https://registry.npmjs.org/"), package["package"]


def test_manifest_pins_the_expected_releases() -> None:
    versions = {package["package"]: package["version"] for package in MANIFEST["packages"]}
    assert versions == {"echarts": "6.1.0", "@svg-maps/mexico": "2.0.0"}


def test_chart_library_needs_no_eval() -> None:
    # The console's CSP has no 'unsafe-eval', so code built at run time would not run.
    source = (VENDOR / "echarts" / "echarts.common.min.js").read_text(encoding="utf-8")
    assert "new Function(" not in source
    assert "eval(" not in source


def test_map_data_has_the_32_states() -> None:
    data = json.loads((VENDOR / "svg-maps-mexico" / "mexico.json").read_text(encoding="utf-8"))
    assert len({location["id"] for location in data["locations"]}) == 32


async def test_vendored_script_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/console/static/vendor/echarts/echarts.common.min.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
