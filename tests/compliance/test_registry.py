"""The personal data registry finds `personal_data` modules of nested packages."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cuenty.compliance import registry

NESTED_MODULE = """
from cuenty.compliance.registry import personal_data


@personal_data("registry_test_nested")
class NestedData:
    async def export(self, session, user_id):
        return {}

    async def block(self, session, user_id):
        return None

    async def suppress(self, session, user_id):
        return None
"""


@pytest.fixture
def package_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Build registrytestpkg/outer/inner/personal_data.py and a package that fails to import."""
    inner = tmp_path / "registrytestpkg" / "outer" / "inner"
    inner.mkdir(parents=True)
    for folder in (inner.parent.parent, inner.parent, inner):
        (folder / "__init__.py").write_text("")
    (inner / "personal_data.py").write_text(NESTED_MODULE)
    broken = tmp_path / "registrytestpkg" / "broken"
    broken.mkdir()
    (broken / "__init__.py").write_text("raise RuntimeError('imported without need')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "registrytestpkg"
    registry._categories.pop("registry_test_nested", None)
    for name in [name for name in sys.modules if name.startswith("registrytestpkg")]:
        del sys.modules[name]


def test_nested_personal_data_is_registered(package_tree: str) -> None:
    registry.load_personal_data_modules(package_tree)
    assert "registry_test_nested" in registry._categories


def test_package_without_module_not_imported(package_tree: str) -> None:
    registry.load_personal_data_modules(package_tree)
    assert f"{package_tree}.broken" not in sys.modules


def test_cuenty_categories_still_load() -> None:
    names = {category.name for category in registry.categories()}
    assert {"identity", "compliance", "orders", "subscriptions"} <= names
