"""Officer routes for oversight: the breach register, the report for the authority (SABG)
and the compliance self-check."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request, Response, status

from cuenty.compliance import exports, incidents, reports, repository
from cuenty.compliance.endpoints.common import Officer, OfficerReader, context
from cuenty.compliance.errors import IncidentNotFoundError, InvalidDateRangeError
from cuenty.compliance.models import SecurityIncident
from cuenty.compliance.schemas import (
    AssessmentIn,
    CheckOut,
    IncidentIn,
    IncidentNoticeIn,
    IncidentOut,
    MeasureIn,
)
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.deps import DbSession
from cuenty.kit.errors import request_locale
from cuenty.kit.pagination import Page, PageParams, page_params, paginate

router = api_router(prefix="/v1/compliance", tags=["compliance"])
Pages = Annotated[PageParams, Depends(page_params)]
STEP_RESPONSES = problem_responses(401, 403, 404, 422)


@router.post(
    "/incidents",
    response_model=IncidentOut,
    status_code=status.HTTP_201_CREATED,
    summary="Registrar una vulneración de seguridad",
    responses=problem_responses(401, 403, 422),
)
async def register_incident(
    body: IncidentIn, request: Request, session: DbSession, principal: Officer
) -> IncidentOut:
    incident = await incidents.register(
        session,
        context(request, principal),
        title=body.title,
        description=body.description,
        detected_at=body.detected_at,
        occurred_at=body.occurred_at,
        data_involved=body.data_involved,
        affected_user_ids=body.affected_user_ids,
    )
    return IncidentOut.of(incident)


@router.get(
    "/incidents",
    response_model=Page[IncidentOut],
    summary="Registro de vulneraciones, de la más antigua a la más reciente",
    responses=problem_responses(401, 403),
)
async def list_incidents(
    request: Request, session: DbSession, principal: OfficerReader, pages: Pages
) -> Page[IncidentOut]:
    rows, following = await paginate(
        session,
        repository.incidents_query(),
        key_columns=[SecurityIncident.created_at, SecurityIncident.id],
        params=pages,
        request=request,
    )
    return Page(items=[IncidentOut.of(row) for row in rows], next=following)


@router.get(
    "/incidents/{incident_id}",
    response_model=IncidentOut,
    summary="Una vulneración con su evaluación, aviso y medidas",
    responses=problem_responses(401, 403, 404),
)
async def get_incident(
    incident_id: uuid.UUID, session: DbSession, principal: OfficerReader
) -> IncidentOut:
    return IncidentOut.of(await _incident(session, incident_id))


@router.post(
    "/incidents/{incident_id}/assessment",
    response_model=IncidentOut,
    summary="Evaluar si afecta de forma significativa los derechos de los titulares",
    responses=STEP_RESPONSES,
)
async def assess_incident(
    incident_id: uuid.UUID,
    body: AssessmentIn,
    request: Request,
    session: DbSession,
    principal: Officer,
) -> IncidentOut:
    incident = await _incident(session, incident_id)
    await incidents.assess(
        session,
        context(request, principal),
        incident,
        significant=body.significant,
        assessment=body.assessment,
    )
    return IncidentOut.of(incident)


@router.post(
    "/incidents/{incident_id}/notification",
    response_model=IncidentOut,
    summary="Avisar a los titulares afectados: qué pasó, datos, recomendaciones, medidas y "
    "dónde informarse",
    responses=STEP_RESPONSES,
)
async def notify_incident(
    incident_id: uuid.UUID,
    body: IncidentNoticeIn,
    request: Request,
    session: DbSession,
    principal: Officer,
) -> IncidentOut:
    incident = await _incident(session, incident_id)
    notice = body.model_dump(by_alias=True)
    await incidents.notify(session, context(request, principal), incident, notice)
    return IncidentOut.of(incident)


@router.post(
    "/incidents/{incident_id}/measures",
    response_model=IncidentOut,
    summary="Registrar una medida correctiva (y cerrar la vulneración si se indica)",
    responses=STEP_RESPONSES,
)
async def add_measure(
    incident_id: uuid.UUID,
    body: MeasureIn,
    request: Request,
    session: DbSession,
    principal: Officer,
) -> IncidentOut:
    incident = await _incident(session, incident_id)
    await incidents.add_measure(
        session, context(request, principal), incident, body.measure, close=body.close
    )
    return IncidentOut.of(incident)


@router.get(
    "/sabg-report",
    summary="Informe de evidencias para la autoridad (SABG), en JSON o PDF",
    responses={
        200: {"content": {"application/json": {}, "application/pdf": {}}},
        **problem_responses(401, 403, 422),
    },
)
async def authority_report(
    request: Request,
    session: DbSession,
    principal: OfficerReader,
    start_date: Annotated[date, Query(alias="startDate")],
    end_date: Annotated[date, Query(alias="endDate")],
    report_format: Annotated[Literal["json", "pdf"], Query(alias="format")] = "json",
) -> Any:
    if end_date < start_date:
        raise InvalidDateRangeError()
    report = await reports.authority_report(
        session, context(request, principal), start_date, end_date
    )
    if report_format == "pdf":
        return Response(exports.render_report_pdf(report), media_type="application/pdf")
    return report


# The first API named the report after INAI, which the 2025 law dissolved. The path stays
# for existing clients, and the report names the current authority.
router.add_api_route(
    "/inai-report",
    authority_report,
    methods=["GET"],
    summary="Alias de /sabg-report (ruta anterior; el informe nombra a la SABG)",
    responses=problem_responses(401, 403, 422),
)


@router.get(
    "/check",
    response_model=CheckOut,
    summary="Autoevaluación de cumplimiento LFPDPPP: problemas y recomendaciones",
    responses=problem_responses(401, 403),
)
async def check(request: Request, session: DbSession, principal: OfficerReader) -> CheckOut:
    result = await reports.check(session, context(request, principal), request_locale(request))
    return CheckOut.model_validate(result)


async def _incident(session: DbSession, incident_id: uuid.UUID) -> SecurityIncident:
    found = await repository.get_incident(session, incident_id)
    if found is None:
        raise IncidentNotFoundError(params={"id": incident_id})
    return found
