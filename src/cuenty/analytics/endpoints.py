"""Routes POST /v1/analytics/events and /v1/analytics/events/batch."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, status

from cuenty.analytics.events import Caller, IngestRequest, ingest
from cuenty.analytics.ingest_keys import event_caller
from cuenty.analytics.metrics import ingest_metrics
from cuenty.analytics.models import Source
from cuenty.analytics.schemas import BatchIn, EventIn, IngestOut
from cuenty.analytics.settings import analytics_settings
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.clock import utc_now
from cuenty.kit.deps import DbSession

router = api_router(prefix="/v1/analytics", tags=["analytics"])

Sender = Annotated[Caller, Depends(event_caller)]
RESPONSES = problem_responses(401, 403, 422, 429)


@router.post(
    "/events",
    response_model=IngestOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Registrar un evento (token, llave de API con analytics:write o llave publicable)",
    responses=RESPONSES,
)
async def post_event(
    body: EventIn, request: Request, session: DbSession, caller: Sender
) -> IngestOut:
    return await _ingest(request, session, caller, [body], base_pointer="")


@router.post(
    "/events/batch",
    response_model=IngestOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Registrar hasta 500 eventos; uno inválido rechaza el lote completo",
    responses=problem_responses(401, 403, 413, 422, 429),
)
async def post_batch(
    body: BatchIn, request: Request, session: DbSession, caller: Sender
) -> IngestOut:
    return await _ingest(request, session, caller, body.events, base_pointer="/events")


async def _ingest(
    request: Request,
    session: DbSession,
    caller: Caller,
    events: list[EventIn],
    *,
    base_pointer: str,
) -> IngestOut:
    result = await ingest(
        session,
        caller,
        IngestRequest(
            events=events,
            base_pointer=base_pointer,
            header_user_agent=request.headers.get("user-agent"),
            received_at=utc_now(),
        ),
        analytics_settings(request.app.state),
    )
    metrics = ingest_metrics(request.app.state)
    if metrics is not None:
        metrics.count(
            Source.CLIENT.value,
            {
                "accepted": result.accepted,
                "duplicate": result.duplicates,
                "dropped": result.dropped,
            },
        )
    return result
