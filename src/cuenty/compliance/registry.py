"""Registry of personal data: each package that stores personal data declares how to
export, rectify, block and suppress it, and how long a law makes it keep the data.

    @compliance.personal_data("identity")
    class IdentityData:
        async def export(self, session, user_id) -> dict: ...
        async def block(self, session, user_id) -> None: ...
        async def suppress(self, session, user_id) -> None: ...
        async def unblock(self, session, user_id) -> None: ...  # optional

Packages declare their handlers in a `personal_data.py` module, which
`load_personal_data_modules()` imports from packages at any depth.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.config import Settings


class PersonalDataSource(Protocol):
    """Interface of a personal data handler.

    A handler may also define `rectify(session, user_id, changes)` and
    `unblock(session, user_id)`, which undoes what `block` changed when a cancellation is
    withdrawn or refused before suppression.
    """

    async def export(self, session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]: ...

    async def block(self, session: AsyncSession, user_id: uuid.UUID) -> None: ...

    async def suppress(self, session: AsyncSession, user_id: uuid.UUID) -> None: ...


@dataclass(frozen=True)
class Category:
    """A registered category of personal data and its retention duty."""

    name: str
    source: PersonalDataSource
    # How long the data stay blocked after a cancellation before suppression; None means
    # "suppress when the grace period ends".
    retention: timedelta | None = None
    retention_reason: str | None = None
    # Fiscal records: kept for `compliance_fiscal_retention_years` (Código Fiscal de la
    # Federación, art. 30), which overrides `retention`.
    fiscal: bool = False
    # Fields of the export that a rectification may change, with the handler's `rectify`.
    rectifiable_fields: frozenset[str] = frozenset()

    def retention_for(self, settings: Settings) -> timedelta | None:
        if self.fiscal:
            return timedelta(days=365 * settings.compliance_fiscal_retention_years)
        return self.retention

    async def rectify(
        self, session: AsyncSession, user_id: uuid.UUID, changes: dict[str, Any]
    ) -> dict[str, tuple[Any, Any]]:
        """Apply changes and return {field: (old, new)}; only for rectifiable categories."""
        rectify = getattr(self.source, "rectify", None)
        if rectify is None:
            raise LookupError(f"category {self.name!r} accepts no rectification")
        result: dict[str, tuple[Any, Any]] = await rectify(session, user_id, changes)
        return result

    async def unblock(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        """Undo the handler's block, if it defines `unblock`."""
        unblock = getattr(self.source, "unblock", None)
        if unblock is not None:
            await unblock(session, user_id)


_categories: dict[str, Category] = {}


def personal_data(
    name: str,
    *,
    retention: timedelta | None = None,
    retention_reason: str | None = None,
    fiscal: bool = False,
    rectifiable_fields: frozenset[str] = frozenset(),
) -> Callable[[type], type]:
    """Register a class whose instance exports, blocks and suppresses one category."""

    def register(cls: type) -> type:
        existing = _categories.get(name)
        if existing is not None and type(existing.source) is not cls:
            raise ValueError(f"personal data category {name!r} is already registered")
        _categories[name] = Category(
            name, cls(), retention, retention_reason, fiscal, frozenset(rectifiable_fields)
        )
        return cls

    return register


def categories() -> list[Category]:
    """Return the registered categories, after importing every `personal_data` module."""
    load_personal_data_modules()
    return [_categories[name] for name in sorted(_categories)]


def category(name: str) -> Category:
    load_personal_data_modules()
    return _categories[name]


def load_personal_data_modules(package: str = "cuenty") -> None:
    """Import the `personal_data` module of every package under `package`, at any depth
    (`cuenty.integrations.chatwoot.personal_data` too)."""
    root = importlib.import_module(package)
    for name in _personal_data_module_names(package, list(root.__path__)):
        importlib.import_module(name)


def _personal_data_module_names(package: str, paths: list[str]) -> Iterator[str]:
    """Find the modules on the file system, so packages without one are never imported."""
    for module in pkgutil.iter_modules(paths):
        if module.name == "personal_data" and not module.ispkg:
            yield f"{package}.personal_data"
        elif module.ispkg:
            finder_path = getattr(module.module_finder, "path", None)
            if finder_path is not None:
                subpaths = [os.path.join(finder_path, module.name)]
                yield from _personal_data_module_names(f"{package}.{module.name}", subpaths)
