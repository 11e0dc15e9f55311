"""Consent and privacy-notice routes: register and revoke consent, read one's consents, read
any notice version, and (officer) consent statistics and publishing notice versions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import Query, Request, status

from cuenty.compliance import consents, notices, repository
from cuenty.compliance.endpoints.common import (
    Officer,
    OfficerReader,
    SignedIn,
    context,
    subject_of,
    titular_of,
)
from cuenty.compliance.errors import InvalidDateRangeError
from cuenty.compliance.models import ConsentAction
from cuenty.compliance.purposes import PURPOSES
from cuenty.compliance.schemas import (
    ConsentRecordOut,
    ConsentRegisterIn,
    ConsentRevokeIn,
    ConsentsOut,
    ConsentStatsOut,
    NoticeDiffOut,
    NoticeIn,
    NoticeOut,
    NoticeType,
    PurposeConsentStats,
)
from cuenty.identity.service import load_user
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.clock import start_of_business_day
from cuenty.kit.deps import DbSession

router = api_router(prefix="/v1/compliance", tags=["compliance"])
VersionQuery = Annotated[str, Query(pattern=r"^(latest|\d{1,4}(\.\d{1,4}){0,3})$")]


@router.post(
    "/consent/register",
    response_model=ConsentRecordOut,
    status_code=status.HTTP_201_CREATED,
    summary="Registrar un consentimiento (se guardan versión y SHA-256 del texto mostrado, "
    "medio, IP y navegador)",
    responses=problem_responses(401, 403, 404, 422),
)
async def register_consent(
    body: ConsentRegisterIn, request: Request, session: DbSession, principal: SignedIn
) -> ConsentRecordOut:
    user_id = titular_of(principal, body.user_id)
    await load_user(session, user_id)
    entry = await consents.register(
        session,
        context(request, principal),
        user_id=user_id,
        purpose=body.consent_type,
        consent_text=body.consent_text,
        version=body.version,
        source=body.source,
        mode=body.mode,
    )
    return ConsentRecordOut.of(entry)


@router.post(
    "/consent/revoke",
    response_model=ConsentRecordOut,
    status_code=status.HTTP_201_CREATED,
    summary="Revocar un consentimiento en cualquier momento; se avisa a los encargados",
    responses=problem_responses(401, 403, 404, 422),
)
async def revoke_consent(
    body: ConsentRevokeIn, request: Request, session: DbSession, principal: SignedIn
) -> ConsentRecordOut:
    user_id = subject_of(principal, body.user_id)
    await load_user(session, user_id)
    entry = await consents.revoke(
        session,
        context(request, principal),
        user_id=user_id,
        purpose=body.consent_type,
        source=body.source,
    )
    return ConsentRecordOut.of(entry)


@router.get(
    "/consents/me",
    response_model=ConsentsOut,
    summary="Mis consentimientos: estado actual por finalidad e historial completo",
    responses=problem_responses(401),
)
async def my_consents(session: DbSession, principal: SignedIn) -> ConsentsOut:
    assert principal.user_id is not None
    history = await repository.consent_history(session, principal.user_id)
    return ConsentsOut(
        current=await consents.current_state(session, principal.user_id),
        history=[ConsentRecordOut.of(row) for row in history],
    )


@router.get(
    "/consents/stats",
    response_model=ConsentStatsOut,
    summary="Estadísticas de consentimiento por finalidad: otorgamientos y revocaciones en un "
    "periodo (fechas de la Ciudad de México) y titulares que hoy lo tienen otorgado",
    responses=problem_responses(401, 403, 422),
)
async def consent_stats(
    session: DbSession,
    principal: OfficerReader,
    start_date: Annotated[date | None, Query(alias="startDate")] = None,
    end_date: Annotated[date | None, Query(alias="endDate")] = None,
) -> ConsentStatsOut:
    if start_date is not None and end_date is not None and end_date < start_date:
        raise InvalidDateRangeError()
    since = start_of_business_day(start_date) if start_date else None
    until = start_of_business_day(end_date + timedelta(days=1)) if end_date else None
    counts = await repository.consent_action_counts(session, since, until)
    current = await repository.current_grant_counts(session)
    rows = [
        PurposeConsentStats(
            purpose=name,
            primary=purpose.primary,
            granted=counts.get((name, ConsentAction.GRANTED.value), 0),
            revoked=counts.get((name, ConsentAction.REVOKED.value), 0),
            currently_granted=current.get(name, 0),
        )
        for name, purpose in PURPOSES.items()
    ]
    return ConsentStatsOut(start_date=start_date, end_date=end_date, purposes=rows)


@router.get(
    "/privacy-notice",
    response_model=NoticeOut,
    summary="Aviso de privacidad vigente o de una versión (integral, simplificado o corto)",
    responses=problem_responses(404, 422),
)
async def get_notice(
    session: DbSession,
    version: VersionQuery = notices.LATEST,
    notice_type: Annotated[NoticeType, Query(alias="type")] = "integral",
) -> NoticeOut:
    return NoticeOut.of(await notices.get(session, notice_type, version))


@router.get(
    "/privacy-notices/diff",
    response_model=NoticeDiffOut,
    summary="Diferencias entre dos versiones de un aviso de privacidad",
    responses=problem_responses(404, 422),
)
async def diff_notices(
    session: DbSession,
    from_version: Annotated[str, Query(alias="from", pattern=r"^\d{1,4}(\.\d{1,4}){0,3}$")],
    to_version: Annotated[str, Query(alias="to", pattern=r"^(latest|\d{1,4}(\.\d{1,4}){0,3})$")],
    notice_type: Annotated[NoticeType, Query(alias="type")] = "integral",
) -> NoticeDiffOut:
    text = await notices.diff(session, notice_type, from_version, to_version)
    return NoticeDiffOut(
        notice_type=notice_type, from_version=from_version, to_version=to_version, diff=text
    )


@router.post(
    "/privacy-notices",
    response_model=NoticeOut,
    status_code=status.HTTP_201_CREATED,
    summary="Publicar una nueva versión de aviso; sin contenido se llena la plantilla en español",
    responses=problem_responses(401, 403, 409, 422),
)
async def publish_notice(
    body: NoticeIn, request: Request, session: DbSession, principal: Officer
) -> NoticeOut:
    notice = await notices.publish(
        session,
        context(request, principal),
        version=body.version,
        notice_type=body.notice_type,
        effective_date=body.effective_date,
        purposes=list(body.purposes) if body.purposes else None,
        title=body.title,
        content=body.content,
    )
    return NoticeOut.of(notice)
