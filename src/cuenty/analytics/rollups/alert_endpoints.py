"""Routes of KPI alerts under /v1/analytics/alerts: rules (create, list, read, change,
delete) for operations and admin staff, and the list of firings."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.rollups.alert_schemas import (
    KpiFiringOut,
    KpiRuleIn,
    KpiRuleOut,
    KpiRulePatch,
    Recipients,
)
from cuenty.analytics.rollups.alerts import FORECAST, recipient_ids
from cuenty.analytics.rollups.endpoints import STAFF_ROLES
from cuenty.analytics.rollups.errors import KpiRuleNotFoundError, body_rejected
from cuenty.analytics.rollups.models import KpiAlertFiring, KpiAlertRule
from cuenty.identity.access import Principal, require_access
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.deps import DbSession
from cuenty.kit.errors import request_locale
from cuenty.kit.i18n import translate

require_rule_editor = require_access(roles=STAFF_ROLES)
require_rule_reader = require_access(roles=STAFF_ROLES, scopes=("analytics:read",))
Editor = Annotated[Principal, Depends(require_rule_editor)]
Reader = Annotated[Principal, Depends(require_rule_reader)]
MAX_FIRINGS = 200

router = api_router(prefix="/v1/analytics/alerts", tags=["analytics"])


@router.post(
    "/rules",
    response_model=KpiRuleOut,
    status_code=status.HTTP_201_CREATED,
    summary="Crear una regla de alerta de KPI",
    responses=problem_responses(401, 403, 422),
)
async def create_rule(
    body: KpiRuleIn, request: Request, session: DbSession, principal: Editor
) -> KpiRuleOut:
    values = body.model_dump()
    await _check_rule(session, values)
    values["recipients"] = _recipients_json(body.recipients)
    rule = KpiAlertRule(id=uuid.uuid4(), created_by=principal.user_id, **values)
    session.add(rule)
    await session.flush()
    return _rule_out(rule, request)


@router.get(
    "/rules",
    response_model=list[KpiRuleOut],
    summary="Reglas de alerta de KPI",
    responses=problem_responses(401, 403),
)
async def list_rules(request: Request, session: DbSession, principal: Reader) -> list[KpiRuleOut]:
    rules = await session.scalars(select(KpiAlertRule).order_by(KpiAlertRule.created_at))
    return [_rule_out(rule, request) for rule in rules]


@router.get(
    "/rules/{rule_id}",
    response_model=KpiRuleOut,
    summary="Una regla, con su última evaluación",
    responses=problem_responses(401, 403, 404),
)
async def get_rule(
    rule_id: uuid.UUID, request: Request, session: DbSession, principal: Reader
) -> KpiRuleOut:
    return _rule_out(await _rule(session, rule_id), request)


@router.patch(
    "/rules/{rule_id}",
    response_model=KpiRuleOut,
    summary="Cambiar una regla",
    responses=problem_responses(401, 403, 404, 422),
)
async def update_rule(
    rule_id: uuid.UUID,
    body: KpiRulePatch,
    request: Request,
    session: DbSession,
    principal: Editor,
) -> KpiRuleOut:
    rule = await _rule(session, rule_id)
    changes = body.model_dump(exclude_unset=True)
    merged = {
        "comparison": rule.comparison,
        "threshold": rule.threshold,
        "window_hours": rule.window_hours,
        "recipients": rule.recipients,
        **changes,
    }
    await _check_rule(session, merged)
    if body.recipients is not None:
        changes["recipients"] = _recipients_json(body.recipients)
    for name, value in changes.items():
        setattr(rule, name, value)
    await session.flush()
    return _rule_out(rule, request)


@router.delete(
    "/rules/{rule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Borrar una regla y sus disparos",
    responses=problem_responses(401, 403, 404),
)
async def delete_rule(rule_id: uuid.UUID, session: DbSession, principal: Editor) -> Response:
    await session.delete(await _rule(session, rule_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/firings",
    response_model=list[KpiFiringOut],
    summary="Disparos de alertas, del más reciente al más antiguo",
    responses=problem_responses(401, 403, 422),
)
async def list_firings(
    session: DbSession,
    principal: Reader,
    rule_id: Annotated[uuid.UUID | None, Query(alias="ruleId")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_FIRINGS)] = 50,
) -> list[KpiFiringOut]:
    query = select(KpiAlertFiring).order_by(KpiAlertFiring.fired_at.desc(), KpiAlertFiring.id)
    if rule_id is not None:
        query = query.where(KpiAlertFiring.rule_id == rule_id)
    firings = await session.scalars(query.limit(limit))
    return [KpiFiringOut.model_validate(firing) for firing in firings]


async def _rule(session: AsyncSession, rule_id: uuid.UUID) -> KpiAlertRule:
    rule = await session.get(KpiAlertRule, rule_id)
    if rule is None:
        raise KpiRuleNotFoundError()
    return rule


async def _check_rule(session: AsyncSession, values: dict[str, Any]) -> None:
    forecast = values["comparison"] == FORECAST
    if forecast and values.get("threshold") is not None:
        raise body_rejected("/threshold", "threshold_not_allowed")
    if not forecast and values.get("threshold") is None:
        raise body_rejected("/threshold", "threshold_required")
    if forecast and values["window_hours"] % 24:
        raise body_rejected("/windowHours", "whole_days")
    recipients = values.get("recipients") or {}
    named = recipients.get("user_ids") or recipients.get("userIds") or []
    if named:
        found = await recipient_ids(session, {"roles": [], "userIds": named})
        missing = sorted({str(value) for value in named} - {str(value) for value in found})
        if missing:
            raise body_rejected("/recipients/userIds", "unknown_users", ids=", ".join(missing))


def _recipients_json(recipients: Recipients) -> dict[str, Any]:
    return {
        "roles": list(recipients.roles),
        "userIds": [str(value) for value in recipients.user_ids],
    }


def _rule_out(rule: KpiAlertRule, request: Request) -> KpiRuleOut:
    """Build the rule's response with the reason of its last evaluation in the request's locale."""
    out = KpiRuleOut.model_validate(rule)
    evaluation = out.last_evaluation
    if not evaluation or not evaluation.get("reason"):
        return out
    params = evaluation.get("reasonParams") or {}
    reason = translate(request_locale(request), evaluation["reason"], **params)
    return out.model_copy(update={"last_evaluation": {**evaluation, "reason": reason}})
