"""The compliance officer's privacy pages: the ARCO queue, a request's detail and steps,
consent statistics, the compliance check and the breach register."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from cuenty.compliance.models import DataRequest
from cuenty.kit.clock import business_date, utc_now
from cuenty.mexico.calendar import federal_calendar
from tests.compliance.helpers import customer, publish_notice
from tests.console.support import csrf_of, staff_browser, submit
from tests.identity.helpers import bearer, login

API = "/v1/compliance"
QUEUE = "/console/privacidad"
ROW = re.compile(r'<tr>\s*<th scope="row">(.*?)</th>(.*?)</tr>', re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


def _page(request_id: str) -> str:
    return f"/console/privacidad/solicitudes/{request_id}"


async def _officer(app: FastAPI) -> httpx.AsyncClient:
    return await staff_browser(app, "oficial@example.com", "compliance_officer")


async def _officer_token(client: httpx.AsyncClient) -> dict[str, str]:
    return bearer(await login(client, "oficial@example.com"))


async def _file(
    client: httpx.AsyncClient, headers: dict[str, str], kind: str = "data-access"
) -> dict[str, object]:
    bodies = {
        "data-access": {},
        "data-opposition": {"dataTypes": ["marketing"], "reason": "No quiero ofertas"},
        "data-deletion": {"reason": "Ya no uso el servicio"},
    }
    response = await client.post(f"{API}/{kind}", json=bodies[kind], headers=headers)
    assert response.status_code in (201, 202), response.text
    return dict(response.json())


async def _set_answer_due(app: FastAPI, request_id: object, due: date) -> None:
    """Move a request's deadline, standing in for the days that would have to pass."""
    async with app.state.session_factory() as session, session.begin():
        await session.execute(
            update(DataRequest)
            .where(DataRequest.id == uuid.UUID(str(request_id)))
            .values(answer_due=due)
        )


async def _make_overdue(app: FastAPI, request_id: object) -> None:
    await _set_answer_due(app, request_id, business_date(utc_now()) - timedelta(days=10))


async def _request(
    client: httpx.AsyncClient, officer: dict[str, str], request_id: object
) -> dict[str, object]:
    response = await client.get(f"{API}/requests/{request_id}", headers=officer)
    return dict(response.json())


async def _step(
    browser: httpx.AsyncClient, request_id: object, step: str, fields: dict[str, str]
) -> httpx.Response:
    page = _page(str(request_id))
    return await submit(browser, page, f"{page}/{step}", fields)


def _rows(html: str) -> dict[str, list[str]]:
    """Map each table row's header cell to the text of its other cells."""
    rows = {}
    for header, rest in ROW.findall(html):
        rows[re.sub(r"<[^>]+>", "", header).strip()] = [
            re.sub(r"<[^>]+>", "", cell).strip() for cell in CELL.findall(rest)
        ]
    return rows


async def test_queue_puts_overdue_request_first(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    _ana, ana = await customer(client, "ana@example.com", name="Ana Titular")
    _luis, luis = await customer(client, "luis@example.com", name="Luis Titular")
    on_time = await _file(client, ana)
    late = await _file(client, luis)
    await _make_overdue(app, late["requestId"])
    response = await browser.get(QUEUE)
    assert response.status_code == 200
    assert response.text.index(str(late["folio"])) < response.text.index(str(on_time["folio"]))


async def test_queue_marks_overdue_with_text(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    _ana, ana = await customer(client, "ana@example.com")
    filed = await _file(client, ana)
    await _make_overdue(app, filed["requestId"])
    response = await browser.get(QUEUE)
    assert '<span class="badge overdue">Vencida hace' in response.text


async def test_queue_marks_new_request_on_time(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    _ana, ana = await customer(client, "ana@example.com")
    await _file(client, ana)
    response = await browser.get(QUEUE)
    assert '<span class="badge ok">En tiempo: quedan 20 día(s) hábil(es)' in response.text


async def test_queue_marks_request_due_soon(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    _ana, ana = await customer(client, "ana@example.com")
    filed = await _file(client, ana)
    today = business_date(utc_now())
    await _set_answer_due(app, filed["requestId"], federal_calendar().add_business_days(today, 2))
    response = await browser.get(QUEUE)
    assert '<span class="badge soon">Vence pronto: quedan 2 día(s) hábil(es)' in response.text


async def test_queue_in_english_on_request(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    _ana, ana = await customer(client, "ana@example.com")
    filed = await _file(client, ana)
    await _make_overdue(app, filed["requestId"])
    response = await browser.get(QUEUE + "?lang=en")
    assert "Overdue by" in response.text


async def test_queue_filters_by_type(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    _ana, ana = await customer(client, "ana@example.com")
    access = await _file(client, ana)
    opposition = await _file(client, ana, "data-opposition")
    response = await browser.get(QUEUE, params={"type": "opposition"})
    assert str(opposition["folio"]) in response.text
    assert str(access["folio"]) not in response.text


async def test_queue_bad_filter_shows_api_message(app: FastAPI) -> None:
    browser = await _officer(app)
    response = await browser.get(QUEUE, params={"dueWithinDays": "99"})
    assert response.status_code == 422
    assert '<p class="field-error" id="field-dueWithinDays-note">' in response.text


async def test_operations_role_gets_403(app: FastAPI) -> None:
    browser = await staff_browser(app, "ops@example.com", "operations")
    response = await browser.get(QUEUE)
    assert response.status_code == 403


async def test_operations_cannot_open_a_request(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await staff_browser(app, "ops@example.com", "operations")
    _ana, ana = await customer(client, "ana@example.com")
    filed = await _file(client, ana)
    response = await browser.get(_page(str(filed["requestId"])))
    assert response.status_code == 403


async def test_signed_out_visitor_goes_to_sign_in(app: FastAPI, client: httpx.AsyncClient) -> None:
    response = await client.get(QUEUE)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/entrar")


async def test_detail_shows_requester_and_timeline(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    _ana, ana = await customer(client, "ana@example.com", name="Ana Titular")
    filed = await _file(client, ana, "data-opposition")
    response = await browser.get(_page(str(filed["requestId"])))
    assert response.status_code == 200
    assert "ana@example.com" in response.text
    assert "Solicitud recibida" in response.text
    assert "Por Ana Titular (Cliente)" in response.text


async def test_identity_verification_is_recorded(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    officer = await _officer_token(client)
    _ana, ana = await customer(client, "ana@example.com")
    filed = await _file(client, ana, "data-opposition")
    response = await _step(
        browser,
        filed["requestId"],
        "verificar-identidad",
        {"method": "id_document", "notes": "INE revisada en videollamada"},
    )
    assert response.status_code == 303
    found = await _request(client, officer, filed["requestId"])
    assert found["identityVerified"] is True
    assert found["identityMethod"] == "id_document"


async def test_timeline_names_the_officer(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    _ana, ana = await customer(client, "ana@example.com", name="Ana Titular")
    filed = await _file(client, ana, "data-opposition")
    fields = {"method": "id_document", "notes": "INE revisada"}
    await _step(browser, filed["requestId"], "verificar-identidad", fields)
    response = await browser.get(_page(str(filed["requestId"])) + "?hecho=verificar-identidad")
    assert "Identidad verificada" in response.text
    assert "(Oficial de privacidad)" in response.text
    assert "Se registró la identidad del titular." in response.text


async def test_extension_with_reason_works(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    officer = await _officer_token(client)
    _ana, ana = await customer(client, "ana@example.com")
    filed = await _file(client, ana, "data-opposition")
    fields = {"reason": "Volumen alto de solicitudes"}
    response = await _step(browser, filed["requestId"], "ampliar", fields)
    assert response.status_code == 303
    found = await _request(client, officer, filed["requestId"])
    assert found["extensionReason"] == "Volumen alto de solicitudes"
    assert found["state"] == "extended"


async def test_second_extension_shows_api_refusal(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    _ana, ana = await customer(client, "ana@example.com")
    filed = await _file(client, ana, "data-opposition")
    await _step(browser, filed["requestId"], "ampliar", {"reason": "Volumen alto"})
    response = await _step(browser, filed["requestId"], "ampliar", {"reason": "Otra vez"})
    assert response.status_code == 409
    assert "ya se amplió una vez; la ley permite una sola ampliación" in response.text


async def test_extension_without_reason_shows_field_message(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    browser = await _officer(app)
    _ana, ana = await customer(client, "ana@example.com")
    filed = await _file(client, ana, "data-opposition")
    response = await _step(browser, filed["requestId"], "ampliar", {"reason": "  "})
    assert response.status_code == 422
    assert '<p class="field-error" id="field-reason-note">' in response.text


async def test_information_can_be_requested_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    _ana, ana = await customer(client, "ana@example.com")
    filed = await _file(client, ana, "data-opposition")
    fields = {"message": "Envía una identificación vigente"}
    first = await _step(browser, filed["requestId"], "pedir-informacion", fields)
    assert first.status_code == 303
    second = await _step(browser, filed["requestId"], "pedir-informacion", fields)
    assert second.status_code == 409
    assert "solo puede pedirse una vez por solicitud" in second.text


async def test_assignment_shows_in_the_queue(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    officer_id = (await client.get("/v1/users/me", headers=await _officer_token(client))).json()[
        "id"
    ]
    _ana, ana = await customer(client, "ana@example.com")
    filed = await _file(client, ana)
    response = await _step(browser, filed["requestId"], "asignar", {"assigneeId": officer_id})
    assert response.status_code == 303
    queue = await browser.get(QUEUE, params={"assignedTo": officer_id})
    assert str(filed["folio"]) in queue.text


async def test_answer_grants_opposition(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    officer = await _officer_token(client)
    _ana, ana = await customer(client, "ana@example.com")
    filed = await _file(client, ana, "data-opposition")
    fields = {"method": "id_document", "notes": "INE revisada"}
    await _step(browser, filed["requestId"], "verificar-identidad", fields)
    answer = {"decision": "granted", "answer": "Dejamos de enviarte ofertas.", "refusalGround": ""}
    response = await _step(browser, filed["requestId"], "responder", answer)
    assert response.status_code == 303
    found = await _request(client, officer, filed["requestId"])
    assert found["decision"] == "granted"
    assert found["state"] == "completed"


async def test_refusal_without_ground_shows_api_message(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    browser = await _officer(app)
    _ana, ana = await customer(client, "ana@example.com")
    filed = await _file(client, ana, "data-opposition")
    answer = {"decision": "refused", "answer": "No procede.", "refusalGround": ""}
    response = await _step(browser, filed["requestId"], "responder", answer)
    assert response.status_code == 422
    assert "Una negativa debe citar su fundamento legal" in response.text


async def test_refusal_with_ground_is_recorded(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    officer = await _officer_token(client)
    _ana, ana = await customer(client, "ana@example.com")
    filed = await _file(client, ana, "data-opposition")
    answer = {
        "decision": "refused",
        "answer": "Debemos conservar los datos.",
        "refusalGround": "retention_duty",
    }
    await _step(browser, filed["requestId"], "responder", answer)
    found = await _request(client, officer, filed["requestId"])
    assert found["state"] == "refused"
    assert found["refusalGround"] == "retention_duty"


async def test_finished_request_offers_no_steps(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    _ana, ana = await customer(client, "ana@example.com")
    filed = await _file(client, ana, "data-opposition")
    answer = {"decision": "refused", "answer": "No procede.", "refusalGround": "retention_duty"}
    await _step(browser, filed["requestId"], "responder", answer)
    response = await browser.get(_page(str(filed["requestId"])))
    assert "Esta solicitud terminó; no queda ningún paso." in response.text
    assert "/ampliar" not in response.text


async def test_access_export_downloads_through_console(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    browser = await _officer(app)
    ana_id, ana = await customer(client, "ana@example.com")
    filed = await _file(client, ana)
    fields = {"method": "id_document", "notes": "INE revisada"}
    await _step(browser, filed["requestId"], "verificar-identidad", fields)
    page = await browser.get(_page(str(filed["requestId"])))
    link = _page(str(filed["requestId"])) + "/exportacion?formato=json"
    assert f'href="{link}"' in page.text
    download = await browser.get(link)
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.json()["userId"] == str(ana_id)


async def test_export_before_release_shows_api_refusal(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    browser = await _officer(app)
    _ana, ana = await customer(client, "ana@example.com")
    filed = await _file(client, ana)
    response = await browser.get(_page(str(filed["requestId"])) + "/exportacion")
    assert response.status_code == 404
    assert str(filed["folio"]) in response.text


async def test_step_without_csrf_token_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    officer = await _officer_token(client)
    _ana, ana = await customer(client, "ana@example.com")
    filed = await _file(client, ana, "data-opposition")
    page = _page(str(filed["requestId"]))
    await csrf_of(browser, page)
    response = await browser.post(f"{page}/ampliar", data={"reason": "Sin token"})
    assert response.status_code == 403
    found = await _request(client, officer, filed["requestId"])
    assert found["extendedAt"] is None


async def test_unknown_step_is_404(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    _ana, ana = await customer(client, "ana@example.com")
    filed = await _file(client, ana, "data-opposition")
    response = await _step(browser, filed["requestId"], "borrar", {})
    assert response.status_code == 404


async def _grant(client: httpx.AsyncClient, headers: dict[str, str], purpose: str) -> None:
    body = {"consentType": purpose, "consentText": "Acepto", "version": "1.0.0"}
    response = await client.post(f"{API}/consent/register", json=body, headers=headers)
    assert response.status_code == 201, response.text


async def test_consent_statistics_show_counts(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    await publish_notice(client, await _officer_token(client))
    _ana, ana = await customer(client, "ana@example.com")
    _luis, luis = await customer(client, "luis@example.com")
    await _grant(client, ana, "marketing")
    await _grant(client, luis, "marketing")
    revoked = await client.post(
        f"{API}/consent/revoke", json={"consentType": "marketing"}, headers=luis
    )
    assert revoked.status_code == 201
    response = await browser.get("/console/privacidad/consentimientos")
    assert response.status_code == 200
    marketing = _rows(response.text)["Mercadotecnia"]
    assert marketing[1:] == ["2", "1", "1"]


async def test_consent_statistics_reversed_period(app: FastAPI) -> None:
    browser = await _officer(app)
    response = await browser.get(
        "/console/privacidad/consentimientos",
        params={"startDate": "2026-03-10", "endDate": "2026-03-01"},
    )
    assert response.status_code == 422
    assert "endDate debe ser igual o posterior a startDate" in response.text


async def test_compliance_check_lists_problems(app: FastAPI) -> None:
    browser = await _officer(app)
    response = await browser.get("/console/privacidad/revision")
    assert response.status_code == 200
    assert "No cumple" in response.text
    assert "Gravedad: problema</span> No hay un aviso de privacidad integral publicado" in (
        response.text
    )


async def test_incident_register_lists_incidents(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await _officer(app)
    body = {
        "title": "Correo enviado a destinatario equivocado",
        "description": "Un reporte salió a otra dirección.",
        "detectedAt": "2026-03-02T10:00:00-06:00",
        "dataInvolved": ["email"],
    }
    created = await client.post(f"{API}/incidents", json=body, headers=await _officer_token(client))
    assert created.status_code == 201, created.text
    response = await browser.get("/console/privacidad/vulneraciones")
    assert response.status_code == 200
    assert "Correo enviado a destinatario equivocado" in response.text
