"""What Chatwoot may learn about a customer, supplied by the packages that own the data.

Summary providers write short lines for the reply to "what is my status?" (active
subscriptions, days left, pending payments); attribute providers add the contact's custom
attributes (active subscriptions, lifetime value). Neither may return credentials.

    @chatwoot.summary_provider("subscriptions")
    async def lines(session, user_id, locale) -> list[str]: ...
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

SummaryProvider = Callable[[AsyncSession, uuid.UUID, str], Awaitable[list[str]]]
AttributesProvider = Callable[[AsyncSession, uuid.UUID], Awaitable[dict[str, Any]]]

_summaries: dict[str, SummaryProvider] = {}
_attributes: dict[str, AttributesProvider] = {}


def summary_provider(name: str) -> Callable[[SummaryProvider], SummaryProvider]:
    """Register (or replace) a named provider of status lines."""

    def register(function: SummaryProvider) -> SummaryProvider:
        _summaries[name] = function
        return function

    return register


def attributes_provider(name: str) -> Callable[[AttributesProvider], AttributesProvider]:
    """Register (or replace) a named provider of contact custom attributes."""

    def register(function: AttributesProvider) -> AttributesProvider:
        _attributes[name] = function
        return function

    return register


def unregister(name: str) -> None:
    _summaries.pop(name, None)
    _attributes.pop(name, None)


async def summary_lines(session: AsyncSession, user_id: uuid.UUID, locale: str) -> list[str]:
    lines: list[str] = []
    for name in sorted(_summaries):
        lines.extend(await _summaries[name](session, user_id, locale))
    return lines


async def custom_attributes(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for name in sorted(_attributes):
        attributes.update(await _attributes[name](session, user_id))
    return attributes
