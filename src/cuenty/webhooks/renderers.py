"""Renderers of webhook `data`: each domain package registers one for its resource kind
(`order`, `payment`, ...), returning the resource as its public API shows it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.kit.redaction import is_secret_key

Renderer = Callable[[AsyncSession, Mapping[str, Any]], Awaitable[dict[str, Any]]]

_renderers: dict[str, Renderer] = {}


def resource_renderer(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of events `<kind>.*`; it gets the event's data (ids)."""

    def register(renderer: Renderer) -> Renderer:
        _renderers[kind] = renderer
        return renderer

    return register


async def render_resource(
    session: AsyncSession, event_type: str, data: Mapping[str, Any]
) -> dict[str, Any]:
    """Return the event's resource for a webhook, with any secret-named field removed.

    NOTE: until a package registers a renderer for its kind, `data` is the event's own
    payload, which contains the ids of the resource.
    """
    renderer = _renderers.get(event_type.split(".", 1)[0])
    resource = await renderer(session, data) if renderer else dict(data)
    return without_secrets(resource)


def without_secrets(value: Any) -> Any:
    """Drop keys that name credentials or secrets (password, token, credentials, ...)."""
    if isinstance(value, Mapping):
        return {
            key: without_secrets(item)
            for key, item in value.items()
            if not (isinstance(key, str) and is_secret_key(key))
        }
    if isinstance(value, list):
        return [without_secrets(item) for item in value]
    return value
