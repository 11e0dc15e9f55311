"""Context loaders: functions that read, at send time, the content a message must not carry
in its stored context (an account's credentials, for example).

    @notifications.context_loader("credentials_delivered")
    async def load(session: AsyncSession, context: dict) -> dict: ...
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

ContextLoader = Callable[[AsyncSession, dict[str, Any]], Awaitable[dict[str, Any]]]

_loaders: dict[str, ContextLoader] = {}


class MissingContextLoaderError(LookupError):
    """Raised when a template needs a loader that no package registered."""


# Templates whose content exists only through a loader.
LOADED_TEMPLATES = frozenset({"credentials_delivered", "security_incident_notice"})


def context_loader(template: str) -> Callable[[ContextLoader], ContextLoader]:
    """Register the loader of a template; registering another one replaces it (tests do)."""

    def register(function: ContextLoader) -> ContextLoader:
        _loaders[template] = function
        return function

    return register


def unregister(template: str) -> None:
    _loaders.pop(template, None)


async def load_context(
    session: AsyncSession, template: str, context: dict[str, Any]
) -> dict[str, Any]:
    """Return the stored context merged with what the template's loader reads now."""
    loader = _loaders.get(template)
    if loader is None:
        if template in LOADED_TEMPLATES:
            raise MissingContextLoaderError(f"no context loader is registered for {template!r}")
        return dict(context)
    return {**context, **await loader(session, dict(context))}
