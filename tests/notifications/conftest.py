"""Fixtures of the notification tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cuenty.notifications import loaders


@pytest.fixture(autouse=True)
def keep_context_loaders() -> Iterator[None]:
    """Restore the registered context loaders after each test.

    Tests register their own `credentials_delivered` loader and unregister it afterwards.
    Without this, the subscriptions package's real loader is gone for every later test once
    any test here has imported it (the compliance registry imports every package).
    """
    saved = {template: list(stack) for template, stack in loaders._loaders.items()}
    yield
    loaders._loaders.clear()
    loaders._loaders.update(saved)
