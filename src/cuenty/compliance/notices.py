"""Versioned privacy notices (avisos de privacidad, LFPDPPP 2025 arts. 15-16): publishing,
reading a version, and the difference between two versions."""

from __future__ import annotations

import difflib
import hashlib
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance import notice_template, repository, trail
from cuenty.compliance.context import ComplianceContext
from cuenty.compliance.errors import (
    NoticeNotFoundError,
    NoticePlaceholderError,
    NoticeVersionExistsError,
)
from cuenty.compliance.models import PrivacyNotice
from cuenty.compliance.purposes import PURPOSES

NOTICE_TYPES = ("integral", "simplificado", "corto")
TITLES = {
    "integral": "Aviso de Privacidad Integral",
    "simplificado": "Aviso de Privacidad Simplificado",
    "corto": "Aviso de Privacidad Corto",
}
LATEST = "latest"


def version_key(version: str) -> list[int]:
    return [int(part) for part in version.split(".")]


async def publish(
    session: AsyncSession,
    ctx: ComplianceContext,
    *,
    version: str,
    notice_type: str,
    effective_date: date,
    purposes: list[str] | None = None,
    title: str | None = None,
    content: str | None = None,
) -> PrivacyNotice:
    """Publish a notice version; without `content`, the Spanish template is filled in."""
    existing = await repository.notices_of_type(session, notice_type)
    if any(notice.version == version for notice in existing):
        raise NoticeVersionExistsError(params={"type": notice_type, "version": version})
    listed = list(purposes or PURPOSES)
    text = content or _render(ctx, notice_type, listed)
    placeholders = sorted(set(notice_template.PLACEHOLDER.findall(text)))
    if placeholders:
        # A published version can never be replaced, so refuse one that names no address.
        raise NoticePlaceholderError(params={"settings": ", ".join(placeholders)})
    notice = PrivacyNotice(
        version=version,
        version_key=version_key(version),
        notice_type=notice_type,
        language="es-MX",
        title=title or f"{TITLES[notice_type]} {ctx.settings.company_legal_name}",
        content=text,
        content_sha256=hashlib.sha256(text.encode()).hexdigest(),
        purposes=listed,
        effective_date=effective_date,
        published_at=ctx.now,
        published_by=ctx.actor.user_id,
    )
    session.add(notice)
    await session.flush()
    await trail.record(
        session,
        ctx.digest_key,
        "privacy_notice.published",
        actor=ctx.actor,
        resource_type="privacy_notice",
        resource_id=notice.id,
        new_values={"version": version, "type": notice_type, "sha256": notice.content_sha256},
        now=ctx.now,
    )
    return notice


async def get(session: AsyncSession, notice_type: str, version: str) -> PrivacyNotice:
    notices = await repository.notices_of_type(session, notice_type)
    if version == LATEST:
        found = notices[-1] if notices else None
    else:
        found = next((notice for notice in notices if notice.version == version), None)
    if found is None:
        raise NoticeNotFoundError(params={"type": notice_type, "version": version})
    return found


async def diff(session: AsyncSession, notice_type: str, old: str, new: str) -> str:
    """Return a unified diff of two versions' texts."""
    before = await get(session, notice_type, old)
    after = await get(session, notice_type, new)
    lines = difflib.unified_diff(
        before.content.splitlines(keepends=True),
        after.content.splitlines(keepends=True),
        fromfile=f"{notice_type} {before.version}",
        tofile=f"{notice_type} {after.version}",
    )
    return "".join(lines)


def _render(ctx: ComplianceContext, notice_type: str, purposes: list[str]) -> str:
    if notice_type == "integral":
        return notice_template.integral(ctx.settings, purposes)
    if notice_type == "simplificado":
        return notice_template.simplified(ctx.settings, purposes)
    return notice_template.short(ctx.settings)
