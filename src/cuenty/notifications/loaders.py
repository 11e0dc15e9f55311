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

# The last loader registered for a template is the one used; `unregister` removes it and
# brings back the one before, so a test's fake loader never removes a package's real one.
_loaders: dict[str, list[ContextLoader]] = {}


class MissingContextLoaderError(LookupError):
    """Raised when a template needs a loader that no package registered."""


# Templates whose content exists only through a loader.
LOADED_TEMPLATES = frozenset({"credentials_delivered", "security_incident_notice"})


def context_loader(template: str) -> Callable[[ContextLoader], ContextLoader]:
    """Register the loader of a template; it takes precedence over earlier ones until it is
    unregistered."""

    def register(function: ContextLoader) -> ContextLoader:
        stack = _loaders.setdefault(template, [])
        if function not in stack:
            stack.append(function)
        return function

    return register


def unregister(template: str) -> None:
    """Remove the template's latest loader, bringing back the one registered before it."""
    stack = _loaders.get(template)
    if stack:
        stack.pop()


async def load_context(
    session: AsyncSession, template: str, context: dict[str, Any]
) -> dict[str, Any]:
    """Return the stored context merged with what the template's loader reads now."""
    stack = _loaders.get(template)
    loader = stack[-1] if stack else None
    if loader is None:
        if template in LOADED_TEMPLATES:
            raise MissingContextLoaderError(f"no context loader is registered for {template!r}")
        return dict(context)
    return {**context, **await loader(session, dict(context))}
