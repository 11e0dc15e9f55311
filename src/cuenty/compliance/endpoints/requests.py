"""ARCO routes: filing (the titular for themself, or the officer for a request received by
another channel), the officer's queue and steps, and the access export download."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request, Response, status

from cuenty.compliance import deadlines, exports, repository, requests, trail
from cuenty.compliance.context import ComplianceContext
from cuenty.compliance.endpoints.common import (
    Officer,
    OfficerReader,
    SignedIn,
    context,
    is_officer,
    subject_of,
    visible_request,
)
from cuenty.compliance.errors import ExportUnavailableError
from cuenty.compliance.models import FINAL_STATES, DataRequest, RequestState, RequestType
from cuenty.compliance.schemas import (
    AccessRequestIn,
    AnswerIn,
    ArcoBase,
    AssignIn,
    DataRequestOut,
    DeletionRequestIn,
    ExtendIn,
    InformationIn,
    InformationRequestIn,
    OppositionRequestIn,
    Receipt,
    RectificationRequestIn,
    RequestEventOut,
    VerifyIdentityIn,
)
from cuenty.identity.access import Principal
from cuenty.identity.service import load_user
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.clock import business_date
from cuenty.kit.deps import DbSession
from cuenty.kit.errors import ForbiddenError, request_locale
from cuenty.kit.i18n import N_, translate
from cuenty.kit.pagination import Page, PageParams, page_params, paginate

router = api_router(prefix="/v1/compliance", tags=["compliance"])
Pages = Annotated[PageParams, Depends(page_params)]
FILE_RESPONSES = problem_responses(401, 403, 404, 422)
STEP_RESPONSES = problem_responses(401, 403, 404, 409, 422)
RECEIPT_MESSAGE = N_(
    "We received your request {folio}. We will answer by {due} and, if it is granted, carry "
    "it out within 15 business days of the answer."
)
DELETION_MESSAGE = N_(
    "Processing of your data stopped today (blocking). You may withdraw the request until "
    "{deletion}; after that grace period of {days} days we suppress the data no law requires "
    "us to keep."
)


@router.post(
    "/data-access",
    response_model=Receipt,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Solicitar acceso a los datos personales (ARCO); la exportación se libera al "
    "verificar la identidad",
    responses=FILE_RESPONSES,
)
async def file_access(
    body: AccessRequestIn, request: Request, session: DbSession, principal: SignedIn
) -> Receipt:
    return await _file(request, session, principal, body, RequestType.ACCESS, {}, None)


@router.post(
    "/data-rectification",
    response_model=Receipt,
    status_code=status.HTTP_201_CREATED,
    summary="Solicitar la rectificación de datos, con documentación que la respalde",
    responses=FILE_RESPONSES,
)
async def file_rectification(
    body: RectificationRequestIn, request: Request, session: DbSession, principal: SignedIn
) -> Receipt:
    changes = body.fields_to_update.model_dump(by_alias=True, exclude_unset=True)
    details = {"fieldsToUpdate": changes, "evidence": body.evidence}
    return await _file(
        request, session, principal, body, RequestType.RECTIFICATION, details, body.reason
    )


@router.post(
    "/data-deletion",
    response_model=Receipt,
    status_code=status.HTTP_201_CREATED,
    summary="Solicitar la cancelación: bloqueo inmediato y supresión tras el periodo de gracia",
    responses=FILE_RESPONSES,
)
async def file_deletion(
    body: DeletionRequestIn, request: Request, session: DbSession, principal: SignedIn
) -> Receipt:
    return await _file(request, session, principal, body, RequestType.DELETION, {}, body.reason)


@router.post(
    "/data-opposition",
    response_model=Receipt,
    status_code=status.HTTP_201_CREATED,
    summary="Oponerse a finalidades secundarias (mercadotecnia, analítica, decisiones "
    "automatizadas) sin terminar el servicio",
    responses=FILE_RESPONSES,
)
async def file_opposition(
    body: OppositionRequestIn, request: Request, session: DbSession, principal: SignedIn
) -> Receipt:
    details = {"dataTypes": list(body.data_types)}
    return await _file(
        request, session, principal, body, RequestType.OPPOSITION, details, body.reason
    )


@router.get(
    "/requests",
    response_model=Page[DataRequestOut],
    summary="Bandeja del oficial de privacidad: solicitudes ARCO con filtros",
    responses=problem_responses(401, 403),
)
async def list_requests(
    request: Request,
    session: DbSession,
    principal: OfficerReader,
    pages: Pages,
    state: RequestState | None = None,
    request_type: Annotated[RequestType | None, Query(alias="type")] = None,
    overdue: bool = False,
    due_within_days: Annotated[int | None, Query(alias="dueWithinDays", ge=0, le=60)] = None,
    assigned_to: Annotated[uuid.UUID | None, Query(alias="assignedTo")] = None,
) -> Page[DataRequestOut]:
    ctx = context(request, principal)
    today = business_date(ctx.now)
    due_limit = None
    if overdue:
        due_limit = today - timedelta(days=1)
    elif due_within_days is not None:
        due_limit = ctx.calendar.add_business_days(today, due_within_days)
    rows, following = await paginate(
        session,
        repository.requests_query(
            state=state.value if state else None,
            request_type=request_type.value if request_type else None,
            assigned_to=assigned_to,
            due_on_or_before=due_limit,
        ),
        key_columns=[DataRequest.received_at, DataRequest.id],
        params=pages,
        request=request,
    )
    return Page(items=[request_out(ctx, row) for row in rows], next=following)


@router.get(
    "/requests/me",
    response_model=list[DataRequestOut],
    summary="Mis solicitudes ARCO",
    responses=problem_responses(401),
)
async def my_requests(
    request: Request, session: DbSession, principal: SignedIn
) -> list[DataRequestOut]:
    ctx = context(request, principal)
    rows = await session.scalars(repository.requests_query(user_id=principal.user_id))
    return [request_out(ctx, row) for row in sorted(rows, key=lambda row: row.received_at)]


@router.get(
    "/requests/{request_id}",
    response_model=DataRequestOut,
    summary="Una solicitud ARCO (la propia, o cualquiera para el oficial)",
    responses=problem_responses(401, 404),
)
async def get_request(
    request_id: uuid.UUID, request: Request, session: DbSession, principal: SignedIn
) -> DataRequestOut:
    found = await visible_request(session, principal, request_id)
    return request_out(context(request, principal), found)


@router.get(
    "/requests/{request_id}/events",
    response_model=list[RequestEventOut],
    summary="Historial de una solicitud ARCO en la bitácora: cada paso con quién y cuándo",
    responses=problem_responses(401, 403, 404),
)
async def request_events(
    request_id: uuid.UUID, session: DbSession, principal: OfficerReader
) -> list[RequestEventOut]:
    found = await visible_request(session, principal, request_id)
    return [RequestEventOut.of(row) for row in await repository.request_events(session, found.id)]


@router.post(
    "/requests/{request_id}/assign",
    response_model=DataRequestOut,
    summary="Asignar la solicitud a un miembro del equipo",
    responses=STEP_RESPONSES,
)
async def assign(
    request_id: uuid.UUID, body: AssignIn, request: Request, session: DbSession, principal: Officer
) -> DataRequestOut:
    found = await visible_request(session, principal, request_id)
    ctx = context(request, principal)
    await requests.assign(session, ctx, found, body.assignee_id)
    return request_out(ctx, found)


@router.post(
    "/requests/{request_id}/verify-identity",
    response_model=DataRequestOut,
    summary="Registrar la revisión de la identificación oficial del titular o representante",
    responses=STEP_RESPONSES,
)
async def verify_identity(
    request_id: uuid.UUID,
    body: VerifyIdentityIn,
    request: Request,
    session: DbSession,
    principal: Officer,
) -> DataRequestOut:
    found = await visible_request(session, principal, request_id)
    ctx = context(request, principal)
    await requests.verify_identity(session, ctx, found, body.method, body.notes)
    return request_out(ctx, found)


@router.post(
    "/requests/{request_id}/request-information",
    response_model=DataRequestOut,
    summary="Pedir información faltante (una sola vez); el plazo se reinicia al recibirla",
    responses=STEP_RESPONSES,
)
async def request_information(
    request_id: uuid.UUID,
    body: InformationRequestIn,
    request: Request,
    session: DbSession,
    principal: Officer,
) -> DataRequestOut:
    found = await visible_request(session, principal, request_id)
    ctx = context(request, principal)
    await requests.request_information(session, ctx, found, body.message)
    return request_out(ctx, found)


@router.post(
    "/requests/{request_id}/information",
    response_model=DataRequestOut,
    summary="Entregar la información que pidió el oficial",
    responses=STEP_RESPONSES,
)
async def provide_information(
    request_id: uuid.UUID,
    body: InformationIn,
    request: Request,
    session: DbSession,
    principal: SignedIn,
) -> DataRequestOut:
    found = await visible_request(session, principal, request_id)
    ctx = context(request, principal)
    await requests.provide_information(session, ctx, found, body.information)
    return request_out(ctx, found)


@router.post(
    "/requests/{request_id}/extend",
    response_model=DataRequestOut,
    summary="Ampliar el plazo una vez, por un periodo igual y con motivo, antes de que venza",
    responses=STEP_RESPONSES,
)
async def extend(
    request_id: uuid.UUID, body: ExtendIn, request: Request, session: DbSession, principal: Officer
) -> DataRequestOut:
    found = await visible_request(session, principal, request_id)
    ctx = context(request, principal)
    await requests.extend(session, ctx, found, body.reason)
    return request_out(ctx, found)


@router.post(
    "/requests/{request_id}/answer",
    response_model=DataRequestOut,
    summary="Responder: procedente, improcedente (con fundamento) o sin datos del titular",
    responses=STEP_RESPONSES,
)
async def answer(
    request_id: uuid.UUID, body: AnswerIn, request: Request, session: DbSession, principal: Officer
) -> DataRequestOut:
    found = await visible_request(session, principal, request_id)
    ctx = context(request, principal)
    await requests.answer(
        session,
        ctx,
        found,
        decision=body.decision,
        message=body.answer,
        refusal_ground=body.refusal_ground,
    )
    return request_out(ctx, found)


@router.post(
    "/requests/{request_id}/withdraw",
    response_model=DataRequestOut,
    summary="Retirar la solicitud (una cancelación, durante el periodo de gracia)",
    responses=STEP_RESPONSES,
)
async def withdraw(
    request_id: uuid.UUID, request: Request, session: DbSession, principal: SignedIn
) -> DataRequestOut:
    found = await visible_request(session, principal, request_id)
    ctx = context(request, principal)
    await requests.withdraw(session, ctx, found)
    return request_out(ctx, found)


@router.get(
    "/requests/{request_id}/export",
    summary="Descargar los datos de una solicitud de acceso (JSON o PDF), por tiempo limitado",
    responses={
        200: {"content": {"application/json": {}, "application/pdf": {}}},
        **problem_responses(401, 404),
    },
)
async def download_export(
    request_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: SignedIn,
    export_format: Annotated[Literal["json", "pdf"], Query(alias="format")] = "json",
) -> Response:
    found = await visible_request(session, principal, request_id)
    ctx = context(request, principal)
    expires = found.export_expires_at
    if found.request_type != RequestType.ACCESS.value or expires is None or expires <= ctx.now:
        raise ExportUnavailableError(params={"folio": found.folio})
    document = await exports.collect(session, found.user_id, ctx.now)
    await trail.record(
        session,
        ctx.digest_key,
        "arco.export_downloaded",
        actor=ctx.actor,
        resource_type="data_request",
        resource_id=found.id,
        subject_user_id=found.user_id,
        new_values={"format": export_format},
        now=ctx.now,
    )
    filename = f"{found.folio}.{export_format}"
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }
    if export_format == "pdf":
        content = exports.render_pdf(document, ctx.settings, found.folio)
        return Response(content, media_type="application/pdf", headers=headers)
    body = json.dumps(document, ensure_ascii=False, default=str)
    return Response(body, media_type="application/json", headers=headers)


async def _file(
    request: Request,
    session: DbSession,
    principal: Principal,
    body: ArcoBase,
    request_type: RequestType,
    details: dict[str, Any],
    reason: str | None,
) -> Receipt:
    user_id = subject_of(principal, body.user_id)
    officer_entry = is_officer(principal) and user_id != principal.user_id
    if body.representative is not None and not officer_entry:
        raise ForbiddenError(
            N_(
                "A representative's request is entered by the compliance officer after "
                "receiving the representation document."
            )
        )
    await load_user(session, user_id)
    ctx = context(request, principal)
    filed_as = "titular"
    if officer_entry:
        filed_as = "representative" if body.representative else "officer"
    # A titular files through the web or the app; other channels are the officer's to enter.
    channel = body.channel if officer_entry else "web"
    if not officer_entry and body.channel == "app":
        channel = "app"
    created = await requests.file_request(
        session,
        ctx,
        user_id=user_id,
        request_type=request_type,
        channel=channel,
        filed_as=filed_as,
        details=details,
        reason=reason,
        representative=body.representative.model_dump(by_alias=True)
        if body.representative
        else None,
    )
    return _receipt(ctx, created, request_locale(request))


def request_out(
    ctx: ComplianceContext, found: DataRequest, deletion_date: date | None = None
) -> DataRequestOut:
    """Convert a request for the response, with its running deadline as of `ctx.now`."""
    out = DataRequestOut.of(found, deletion_date)
    if found.state in FINAL_STATES:
        return out
    due = found.execution_due or found.answer_due
    today = business_date(ctx.now)
    alert_days = ctx.settings.compliance_alert_business_days
    return out.model_copy(
        update={
            "pending_due": due,
            "business_days_left": deadlines.business_days_left(ctx.calendar, today, due),
            "deadline_status": deadlines.deadline_status(ctx.calendar, today, due, alert_days),
        }
    )


def _receipt(ctx: ComplianceContext, created: DataRequest, locale: str) -> Receipt:
    grace_days = ctx.settings.compliance_grace_days
    message = translate(
        locale, RECEIPT_MESSAGE, folio=created.folio, due=created.answer_due.isoformat()
    )
    deletion_date: date | None = None
    if created.request_type == RequestType.DELETION.value:
        deletion_date = business_date(created.received_at) + timedelta(days=grace_days)
        message += " " + translate(
            locale, DELETION_MESSAGE, deletion=deletion_date.isoformat(), days=grace_days
        )
    out = request_out(ctx, created, deletion_date)
    return Receipt(**out.model_dump(), message=message)
