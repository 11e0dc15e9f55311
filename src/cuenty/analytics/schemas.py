"""Request and response bodies of the events routes, camelCase on the wire."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, StringConstraints, field_validator

from cuenty.kit.api import ApiModel, RequestModel

MAX_BATCH_EVENTS = 500

# Ids chosen by clients: printable ASCII without spaces, so they are safe in logs and URLs.
ClientId = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")
]
EventTypeName = Annotated[
    str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
]
Url = Annotated[str, StringConstraints(max_length=2048)]


class EventIn(RequestModel):
    """One event as a client reports it."""

    event_id: uuid.UUID | None = Field(
        default=None,
        description="UUID chosen by the client; an event sent again with the same id is "
        "counted as a duplicate and not stored twice.",
    )
    event_type: EventTypeName = Field(examples=["page_view"])
    event_name: str = Field(min_length=1, max_length=80, examples=["home_viewed"])
    user_id: uuid.UUID | None = Field(
        default=None, description="The user the event is about; a customer may name only itself."
    )
    anonymous_id: ClientId | None = Field(
        default=None, description="Visitor id kept by the browser before sign-in."
    )
    session_id: ClientId | None = Field(default=None, examples=["sess_abc123"])
    properties: dict[str, Any] = Field(
        default_factory=dict, examples=[{"duration": 5000, "plan": "netflix-1-perfil"}]
    )
    page_url: Url | None = Field(default=None, examples=["https://cuenty.mx/"])
    referrer: Url | None = Field(default=None, examples=["https://www.google.com/"])
    timestamp: AwareDatetime | None = Field(
        default=None,
        description="When the event happened, with a time zone; up to 72 hours late. The "
        "time of receipt when absent.",
    )
    user_agent: str | None = Field(
        default=None,
        max_length=512,
        description="User-Agent of the visitor, for senders that forward events from a server; "
        "the request's own User-Agent header otherwise.",
    )

    @field_validator("referrer", "page_url", "user_agent", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        # Browsers report an empty document.referrer for a direct visit.
        return None if value == "" else value


class BatchIn(RequestModel):
    events: list[EventIn] = Field(min_length=1, max_length=MAX_BATCH_EVENTS)


Status = Literal["accepted", "duplicate", "dropped"]


class EventResult(ApiModel):
    index: int = Field(description="Position of the event in the request, from 0.")
    event_id: uuid.UUID
    status: Status = Field(
        description="accepted: stored; duplicate: an event with this id was already stored; "
        "dropped: not stored because the user has not consented to analytics."
    )


class IngestOut(ApiModel):
    accepted: int
    duplicates: int
    dropped: int
    results: list[EventResult]
