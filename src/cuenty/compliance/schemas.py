"""Request and response bodies of the compliance API (camelCase on the wire).

The request bodies keep the shapes of the first public API (`userId`, `fieldsToUpdate`,
`reason`, `dataTypes`, `consentType`, ...), and every new field is camelCase.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, Field, field_validator
from pydantic_core import PydanticCustomError

from cuenty.compliance.models import (
    AuditTrail,
    ConsentLog,
    DataRequest,
    PrivacyNotice,
    SecurityIncident,
)
from cuenty.compliance.purposes import SECONDARY_PURPOSES
from cuenty.compliance.requests import REFUSAL_GROUNDS
from cuenty.identity.schemas import Email
from cuenty.kit.api import ApiModel, RequestModel
from cuenty.mexico.phones import InvalidPhoneNumber, normalize_phone

Channel = Literal["web", "app", "email", "whatsapp", "phone", "in_person", "mail"]
Purpose = Literal[
    "terms_of_service", "financial_data", "marketing", "analytics", "automated_decisions"
]
SecondaryPurpose = Literal["marketing", "analytics", "automated_decisions"]
NoticeType = Literal["integral", "simplificado", "corto"]
DeadlineStatus = Literal["overdue", "due_soon", "on_time"]
Text = Field(min_length=1, max_length=4000)
ShortText = Field(min_length=1, max_length=500)


class Representative(RequestModel):
    """A legal representative acting for the titular, with the representation document."""

    name: str = Field(min_length=2, max_length=200)
    document_reference: str = Field(
        min_length=2, max_length=200, description="Folio o referencia del poder o carta poder"
    )


class ArcoBase(RequestModel):
    user_id: uuid.UUID | None = Field(
        default=None, description="Titular; si falta, quien hace la solicitud"
    )
    channel: Channel = Field(default="web", description="Medio por el que llegó la solicitud")
    representative: Representative | None = Field(
        default=None, description="Solo la captura el oficial de privacidad"
    )


class AccessRequestIn(ArcoBase):
    pass


def _phone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return normalize_phone(value)
    except InvalidPhoneNumber as error:
        raise PydanticCustomError("phone_invalid", "invalid phone number") from error


class FieldsToUpdate(RequestModel):
    """Profile fields a rectification may change; any other field is rejected."""

    name: str | None = Field(default=None, min_length=2, max_length=120)
    email: Email | None = None
    phone: Annotated[str | None, Field(default=None, max_length=32), AfterValidator(_phone)]
    postal_code: str | None = Field(default=None, pattern=r"^\d{5}$")


class RectificationRequestIn(ArcoBase):
    fields_to_update: FieldsToUpdate = Field(alias="fieldsToUpdate")
    evidence: str = Field(min_length=3, max_length=4000, description="Documentación que respalda")
    reason: str | None = Field(default=None, max_length=4000)

    @field_validator("fields_to_update")
    @classmethod
    def _at_least_one(cls, value: FieldsToUpdate) -> FieldsToUpdate:
        if not value.model_dump(exclude_unset=True):
            raise PydanticCustomError("too_short", "name at least one field", {"min_length": 1})
        return value


class DeletionRequestIn(ArcoBase):
    reason: str = Field(min_length=1, max_length=4000)


class OppositionRequestIn(ArcoBase):
    data_types: list[SecondaryPurpose] = Field(min_length=1, max_length=len(SECONDARY_PURPOSES))
    reason: str = Field(min_length=1, max_length=4000)


class DataRequestOut(ApiModel):
    request_id: uuid.UUID
    folio: str
    user_id: uuid.UUID
    request_type: str
    state: str
    channel: str
    received_at: datetime
    answer_due: date
    execution_due: date | None
    identity_verified: bool
    identity_method: str | None
    info_request: str | None
    extended_at: datetime | None
    extension_reason: str | None
    decision: str | None
    answer: str | None
    refusal_ground: str | None
    completed_at: datetime | None
    export_expires_at: datetime | None
    deletion_date: date | None = Field(
        default=None, description="Fin del periodo de gracia de una cancelación"
    )
    assigned_to: uuid.UUID | None
    pending_due: date | None = Field(
        default=None,
        description="Plazo en curso: la ejecución si ya se respondió, si no la respuesta; "
        "nulo en una solicitud terminada",
    )
    business_days_left: int | None = Field(
        default=None, description="Días hábiles hasta pendingDue; negativo si ya venció"
    )
    deadline_status: DeadlineStatus | None = Field(
        default=None,
        description="overdue si pendingDue ya pasó, due_soon si vence dentro de "
        "CUENTY_COMPLIANCE_ALERT_BUSINESS_DAYS días hábiles, on_time en otro caso",
    )

    @classmethod
    def of(cls, request: DataRequest, deletion_date: date | None = None) -> DataRequestOut:
        return cls(
            request_id=request.id,
            folio=request.folio,
            user_id=request.user_id,
            request_type=request.request_type,
            state=request.state,
            channel=request.channel,
            received_at=request.received_at,
            answer_due=request.answer_due,
            execution_due=request.execution_due,
            identity_verified=request.identity_verified_at is not None,
            identity_method=request.identity_method,
            info_request=request.info_request,
            extended_at=request.extended_at,
            extension_reason=request.extension_reason,
            decision=request.decision,
            answer=request.answer,
            refusal_ground=request.refusal_ground,
            completed_at=request.completed_at,
            export_expires_at=request.export_expires_at,
            deletion_date=deletion_date,
            assigned_to=request.assigned_to,
        )


class Receipt(DataRequestOut):
    """The acuse: folio, date and time of receipt and the deadlines."""

    message: str


class VerifyIdentityIn(RequestModel):
    method: Literal["id_document", "id_document_representative"]
    notes: str = Text


class InformationRequestIn(RequestModel):
    message: str = Text


class InformationIn(RequestModel):
    information: str = Text


class ExtendIn(RequestModel):
    reason: str = Text


class AnswerIn(RequestModel):
    decision: Literal["granted", "refused", "no_data"]
    answer: str = Text
    refusal_ground: Literal[REFUSAL_GROUNDS] | None = None  # type: ignore[valid-type]


class AssignIn(RequestModel):
    assignee_id: uuid.UUID


class ConsentRegisterIn(RequestModel):
    user_id: uuid.UUID | None = None
    consent_type: Purpose
    consent_text: str = Field(min_length=1, max_length=20000)
    version: str = Field(pattern=r"^\d{1,4}(\.\d{1,4}){0,3}$")
    source: Channel = "web"
    mode: Literal["express", "tacit"] = "express"
    ip_address: str | None = Field(
        default=None, description="Ignorado: se registra la IP de la conexión"
    )


class ConsentRevokeIn(RequestModel):
    user_id: uuid.UUID | None = None
    consent_type: Purpose
    source: Channel = "web"


class ConsentRecordOut(ApiModel):
    id: int
    purpose: str
    action: str
    mode: str
    notice_version: str | None
    text_sha256: str | None
    source: str
    ip_address: str | None
    user_agent: str | None
    occurred_at: datetime

    @classmethod
    def of(cls, row: ConsentLog) -> ConsentRecordOut:
        return cls.model_validate(row)


class ConsentsOut(ApiModel):
    current: dict[str, bool]
    history: list[ConsentRecordOut]


class NoticeIn(RequestModel):
    version: str = Field(pattern=r"^\d{1,4}(\.\d{1,4}){0,3}$")
    notice_type: NoticeType = "integral"
    effective_date: date
    purposes: list[Purpose] | None = None
    title: str | None = Field(default=None, max_length=200)
    content: str | None = Field(default=None, min_length=20, max_length=200000)


class NoticeOut(ApiModel):
    version: str
    notice_type: str = Field(alias="type")
    title: str
    content: str
    effective_date: date
    language: str
    content_sha256: str
    purposes: list[str]

    @classmethod
    def of(cls, notice: PrivacyNotice) -> NoticeOut:
        return cls(
            version=notice.version,
            notice_type=notice.notice_type,
            title=notice.title,
            content=notice.content,
            effective_date=notice.effective_date,
            language=notice.language,
            content_sha256=notice.content_sha256,
            purposes=list(notice.purposes),
        )


class NoticeDiffOut(ApiModel):
    notice_type: str = Field(alias="type")
    from_version: str
    to_version: str
    diff: str


class IncidentIn(RequestModel):
    title: str = Field(min_length=3, max_length=200)
    description: str = Text
    detected_at: AwareDatetime
    occurred_at: AwareDatetime | None = None
    data_involved: list[str] = Field(min_length=1, max_length=50)
    affected_user_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100000)


class AssessmentIn(RequestModel):
    significant: bool
    assessment: str = Text


class IncidentNoticeIn(RequestModel):
    """The five elements of a breach notice to the titulares."""

    what_happened: str = Text
    recommendations: str = Text
    corrective_actions: str = Text
    more_information: str = ShortText


class MeasureIn(RequestModel):
    measure: str = Text
    close: bool = False


class IncidentOut(ApiModel):
    id: uuid.UUID
    title: str
    description: str
    detected_at: datetime
    occurred_at: datetime | None
    data_involved: list[str]
    affected_count: int
    status: str
    significant: bool | None
    assessment: str | None
    notification: dict[str, Any] | None
    notified_at: datetime | None
    corrective_measures: list[dict[str, Any]]

    @classmethod
    def of(cls, incident: SecurityIncident) -> IncidentOut:
        return cls(
            id=incident.id,
            title=incident.title,
            description=incident.description,
            detected_at=incident.detected_at,
            occurred_at=incident.occurred_at,
            data_involved=list(incident.data_involved),
            affected_count=len(incident.affected_user_ids),
            status=incident.status,
            significant=incident.significant,
            assessment=incident.assessment,
            notification=incident.notification,
            notified_at=incident.notified_at,
            corrective_measures=list(incident.corrective_measures),
        )


class CheckIssue(ApiModel):
    code: str
    count: int
    message: str


class CheckOut(ApiModel):
    compliant: bool
    issues: list[CheckIssue]
    recommendations: list[str]


class RequestEventOut(ApiModel):
    """One audit-trail row about an ARCO request: a step, a block, a suppression or a
    download, with who did it."""

    id: int
    occurred_at: datetime
    action: str
    actor_user_id: uuid.UUID | None
    actor_role: str | None
    old_values: dict[str, Any] | None = Field(description="Enmascarados como en el registro")
    new_values: dict[str, Any] | None = Field(description="Enmascarados como en el registro")
    suppressed: bool = Field(description="Los datos personales del renglón ya se suprimieron")

    @classmethod
    def of(cls, row: AuditTrail) -> RequestEventOut:
        return cls(
            id=row.id,
            occurred_at=row.occurred_at,
            action=row.action,
            actor_user_id=row.actor_user_id,
            actor_role=row.actor_role,
            old_values=row.old_values,
            new_values=row.new_values,
            suppressed=row.suppressed_at is not None,
        )


class PurposeConsentStats(ApiModel):
    purpose: str
    primary: bool = Field(description="Finalidad necesaria para el servicio")
    granted: int = Field(description="Otorgamientos registrados en el periodo")
    revoked: int = Field(description="Revocaciones registradas en el periodo")
    currently_granted: int = Field(
        description="Titulares cuyo último registro para la finalidad es un otorgamiento, "
        "hoy y sin importar el periodo"
    )


class ConsentStatsOut(ApiModel):
    start_date: date | None
    end_date: date | None
    purposes: list[PurposeConsentStats]
