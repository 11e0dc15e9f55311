"""CSV import of inventory accounts: parse, check each row, store the valid ones, and report
every rejected row with its row number, column and rule.

Files come from Excel as often as from scripts. So the header may be in Spanish or English,
the file may start with a UTF-8 byte order mark, and cells may be separated by commas or
semicolons, whichever the header line uses more.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.catalog.models import CatalogService
from cuenty.inventory import repository
from cuenty.inventory.errors import DuplicateAccountError, InvalidCsvError
from cuenty.inventory.rules import (
    MAX_LOGIN_LENGTH,
    MAX_NOTES_LENGTH,
    MAX_PASSWORD_LENGTH,
    MAX_PIN_LENGTH,
    MAX_PROFILE_NAME_LENGTH,
    ProfileSpec,
    RuleViolation,
    parse_business_date,
    plan_profiles,
    required,
    too_long,
)
from cuenty.inventory.schemas import ImportReport, ImportRowError
from cuenty.inventory.service import NewAccount, publish_stock_available, store_account
from cuenty.inventory.vault import Vault, login_digest
from cuenty.kit.i18n import N_, translate
from cuenty.kit.validation import FieldError

MAX_IMPORT_ROWS = 10_000
# Canonical column name, then the other header spellings accepted for it (compared after
# dropping accents, case and spaces).
COLUMNS: dict[str, tuple[str, ...]] = {
    "service": ("servicio",),
    "login": ("usuario", "correo", "email"),
    "password": ("contrasena",),
    "profiles": ("perfiles",),
    "pins": ("pines", "pin"),
    "notes": ("notas",),
    "paid_until": ("pagado_hasta", "paiduntil"),
}
REQUIRED_COLUMNS = ("service", "login", "password")
LIST_SEPARATOR = "|"


@dataclass(frozen=True)
class _Record:
    number: int
    values: dict[str, str] = field(repr=False)
    # Cells past the last header column; any is a rejected row.
    extra_cells: int
    columns: int


@dataclass
class _Row:
    number: int
    values: dict[str, str] = field(repr=False)
    violations: list[RuleViolation] = field(default_factory=list)
    account: NewAccount | None = None
    digest: str | None = None


async def import_accounts(
    session: AsyncSession, master_key: str, body: bytes, *, dry_run: bool, locale: str
) -> ImportReport:
    """Import the accounts of a CSV file; raise InvalidCsvError when the file itself is unusable.

    Valid rows are stored (unless `dry_run`) even when other rows are rejected.
    """
    records = _read_table(body)
    services = await repository.services_by_name(session)
    rows = [_check_row(record, services, master_key, locale) for record in records]
    await _reject_duplicates(session, rows)

    accepted = [row for row in rows if not row.violations and row.account is not None]
    account_ids: list[uuid.UUID] = []
    if not dry_run and accepted:
        vault = Vault(session, master_key)
        try:
            for row in accepted:
                assert row.account is not None and row.digest is not None
                stored = await store_account(session, vault, row.account, row.digest)
                account_ids.append(stored.id)
            await session.flush()
        except IntegrityError as error:
            # Another request stored one of these logins after the duplicate check.
            raise DuplicateAccountError() from error
        for service_id in sorted({row.account.service.id for row in accepted if row.account}):
            await publish_stock_available(session, service_id)

    errors = [
        ImportRowError(
            row=row.number,
            field=violation.field,
            code=violation.code,
            message=translate(locale, violation.message, **violation.params),
        )
        for row in rows
        for violation in row.violations
    ]
    return ImportReport(
        dry_run=dry_run,
        received=len(rows),
        imported=0 if dry_run else len(accepted),
        rejected=sum(1 for row in rows if row.violations),
        errors=errors,
        account_ids=account_ids,
    )


def _read_table(body: bytes) -> list[_Record]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _file_error(
            "invalid_encoding",
            N_("The file is not UTF-8 text (byte {position}); in Excel save it as CSV UTF-8."),
            position=error.start,
        ) from error
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise _file_error("empty_file", N_("The file is empty; the first line must be the header."))
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = _parse_header(next(reader))
        records = list(_records(reader, header))
    except csv.Error as error:
        raise _file_error(
            "malformed_csv",
            N_("The file is not valid CSV near line {line}: {error}."),
            line=reader.line_num,
            error=str(error),
        ) from error
    return records


def _parse_header(cells: list[str]) -> list[str]:
    aliases = {_header_key(name): name for name in COLUMNS}
    for name, spellings in COLUMNS.items():
        aliases.update({_header_key(spelling): name for spelling in spellings})
    header: list[str] = []
    errors: list[FieldError] = []
    for position, cell in enumerate(cells, start=1):
        name = aliases.get(_header_key(cell))
        if name is None:
            errors.append(
                _column_error(
                    "unknown_column",
                    N_("Column {position} ({value}) is not one of: {expected}."),
                    cell,
                    position=position,
                    value=cell,
                    expected=", ".join(COLUMNS),
                )
            )
        elif name in header:
            errors.append(_column_error("duplicate_column", N_("The column appears twice."), name))
        header.append(name or cell)
    for name in REQUIRED_COLUMNS:
        if name not in header:
            errors.append(
                _column_error(
                    "missing_column", N_("The header has no {column} column."), name, column=name
                )
            )
    if errors:
        raise InvalidCsvError(errors=errors)
    return header


def _records(reader: Iterator[list[str]], header: list[str]) -> Iterator[_Record]:
    """Yield (Excel row number, cells by column) for each non-blank row."""
    count = 0
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        count += 1
        if count > MAX_IMPORT_ROWS:
            raise _file_error(
                "too_many_rows",
                N_("The file has more than {max} rows; split it into several files."),
                max=MAX_IMPORT_ROWS,
            )
        values = dict(zip(header, cells, strict=False))
        yield _Record(number, values, max(0, len(cells) - len(header)), len(header))


def _check_row(
    record: _Record, services: dict[str, CatalogService], master_key: str, locale: str
) -> _Row:
    row = _Row(record.number, record.values)
    values = record.values
    if record.extra_cells:
        row.violations.append(
            RuleViolation(
                "row",
                "too_many_cells",
                N_("The row has {count} cells but the header has {columns}."),
                {"count": record.columns + record.extra_cells, "columns": record.columns},
            )
        )
    service = _check_service(row, services)
    login = _text(row, "login", MAX_LOGIN_LENGTH, strip=True)
    password = _text(row, "password", MAX_PASSWORD_LENGTH, strip=False)
    notes = _optional(values, "notes")
    if len(notes) > MAX_NOTES_LENGTH:
        row.violations.append(too_long("notes", MAX_NOTES_LENGTH))
    paid_until = None
    if raw_date := _optional(values, "paid_until"):
        paid_until = parse_business_date(raw_date)
        if paid_until is None:
            row.violations.append(
                RuleViolation(
                    "paid_until",
                    "invalid_date",
                    N_("{value} is not a date; write YYYY-MM-DD or DD/MM/YYYY."),
                    {"value": raw_date[:20]},
                )
            )
    profiles = _check_profiles(row, service, locale) if service else None

    if row.violations or not (service and login and password and profiles is not None):
        return row
    row.account = NewAccount(service, login, password, profiles, notes, paid_until)
    row.digest = login_digest(master_key, login)
    return row


def _check_service(row: _Row, services: dict[str, CatalogService]) -> CatalogService | None:
    value = _optional(row.values, "service")
    if not value:
        row.violations.append(required("service"))
        return None
    service = services.get(value.casefold())
    if service is None:
        row.violations.append(
            RuleViolation(
                "service",
                "unknown_service",
                N_("No catalog service is named {value}."),
                {"value": value[:80]},
            )
        )
    return service


def _text(row: _Row, column: str, max_length: int, *, strip: bool) -> str | None:
    value = row.values.get(column, "")
    if strip:
        value = value.strip()
    if not value.strip():
        row.violations.append(required(column))
        return None
    if len(value) > max_length:
        row.violations.append(too_long(column, max_length))
        return None
    return value


def _check_profiles(row: _Row, service: CatalogService, locale: str) -> list[ProfileSpec] | None:
    raw_profiles = _optional(row.values, "profiles")
    raw_pins = _optional(row.values, "pins")
    names: list[str] | None = None
    count: int | None = None
    if raw_profiles.isdigit():
        count = int(raw_profiles)
    elif raw_profiles:
        names = [name.strip() for name in raw_profiles.split(LIST_SEPARATOR)]
        if any(not name for name in names):
            return _reject(row, "profiles", "blank_profile_name", N_("A profile name is blank."))
        if any(len(name) > MAX_PROFILE_NAME_LENGTH for name in names):
            return _reject_violation(row, too_long("profiles", MAX_PROFILE_NAME_LENGTH))

    pins = [pin.strip() for pin in raw_pins.split(LIST_SEPARATOR)] if raw_pins else []
    if any(len(pin) > MAX_PIN_LENGTH for pin in pins):
        return _reject_violation(row, too_long("pins", MAX_PIN_LENGTH))
    named = [ProfileSpec(name) for name in names] if names is not None else None
    planned = plan_profiles(
        named,
        count,
        service_name=service.name,
        per_account=service.profiles_per_account,
        locale=locale,
    )
    if isinstance(planned, RuleViolation):
        return _reject_violation(row, planned)
    if len(pins) > len(planned):
        return _reject(
            row,
            "pins",
            "too_many_pins",
            N_("There are {pins} PIN(s) for {profiles} profile(s)."),
            pins=len(pins),
            profiles=len(planned),
        )
    return [
        ProfileSpec(spec.name, pins[index] if index < len(pins) and pins[index] else None)
        for index, spec in enumerate(planned)
    ]


async def _reject_duplicates(session: AsyncSession, rows: list[_Row]) -> None:
    """Reject a login repeated in the file (after its first row) or already stored."""
    first_rows: dict[tuple[uuid.UUID, str], int] = {}
    for row in rows:
        if row.account is None or row.digest is None:
            continue
        key = (row.account.service.id, row.digest)
        if key in first_rows:
            row.violations.append(
                RuleViolation(
                    "login",
                    "duplicate_in_file",
                    N_("The same login for this service is already in row {row}."),
                    {"row": first_rows[key]},
                )
            )
            continue
        first_rows[key] = row.number
    stored = await repository.existing_digests(session, first_rows)
    for row in rows:
        if row.account is None or row.digest is None or row.violations:
            continue
        if (row.account.service.id, row.digest) in stored:
            row.violations.append(
                RuleViolation(
                    "login",
                    "duplicate_login",
                    N_("This login is already in the inventory for {service}."),
                    {"service": row.account.service.name},
                )
            )


def _reject(row: _Row, column: str, code: str, message: str, **params: object) -> None:
    row.violations.append(RuleViolation(column, code, message, params))


def _reject_violation(row: _Row, violation: RuleViolation) -> None:
    row.violations.append(violation)


def _optional(values: dict[str, str], column: str) -> str:
    return values.get(column, "").strip()


def _header_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.strip().casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return plain.replace(" ", "_").replace("-", "_")


def _file_error(code: str, message: str, **params: object) -> InvalidCsvError:
    return InvalidCsvError(
        errors=[FieldError(code=code, message=message, location="body", params=params)]
    )


def _column_error(code: str, message: str, header_cell: str, **params: object) -> FieldError:
    return FieldError(
        code=code, message=message, location="header", parameter=header_cell, params=params
    )
