"""The inventory pages: stock with low-stock warnings, the account list and detail, state
changes, adding and importing accounts, and revealing credentials with a recorded reason."""

from __future__ import annotations

import re
import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from cuenty.identity.models import AuditEvent
from tests.commerce_support import add_stock, seed_catalog
from tests.console.support import csrf_of, staff_browser, submit
from tests.inventory.support import add_pending_subscriptions

REASON = "Cliente reporta que no puede entrar (ticket 1042)"
ACCOUNT_LINK = re.compile(r'href="/console/inventario/cuentas/([0-9a-f-]{36})"')
LOW_STOCK_NOTICE = re.compile(r'<div class="notice notice-warn" role="status">(.*?)</div>', re.S)


def api_headers(client: httpx.AsyncClient) -> dict[str, str]:
    """The Authorization header of the person signed in to this browser's console."""
    return {"Authorization": f"Bearer {client.cookies['cuenty_console_access']}"}


async def audit_rows(app: FastAPI) -> list[AuditEvent]:
    # NOTE: the API has no route that lists audit events, so the test reads the table.
    async with app.state.session_factory() as session:
        statement = select(AuditEvent).where(AuditEvent.action == "inventory.credentials_revealed")
        return list((await session.scalars(statement)).all())


async def test_stock_page_warns_of_low_stock(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    catalog = await seed_catalog(app)
    await add_stock(app, catalog.netflix, 2)
    await add_pending_subscriptions(app, catalog.spotify.id, "ops@example.com", 2)

    response = await client.get("/console/inventario")

    assert response.status_code == 200
    warning = LOW_STOCK_NOTICE.search(response.text)
    assert warning is not None
    assert "Poco inventario" in warning.group(1)
    assert "Spotify" in warning.group(1)
    assert "Netflix" not in warning.group(1)
    assert response.text.count('<span class="badge overdue">Poco inventario</span>') == 1
    assert response.text.count('<span class="badge ok">Suficiente</span>') == 1
    assert "Unidades pagadas que esperan cuenta" in response.text
    assert "<strong>2</strong>" in response.text


async def test_stock_page_in_english(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    await seed_catalog(app)

    response = await client.get("/console/inventario?lang=en")

    assert response.status_code == 200
    assert '<span class="badge overdue">Low stock</span>' in response.text
    assert "Paid units waiting for an account" in response.text


async def test_account_list_filters_by_state(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    catalog = await seed_catalog(app)
    available, paused = await add_stock(app, catalog.netflix, 2)
    changed = await client.post(
        f"/v1/inventory/accounts/{paused}/state",
        json={"state": "maintenance"},
        headers=api_headers(client),
    )
    assert changed.status_code == 200, changed.text

    response = await client.get("/console/inventario?state=maintenance")

    listed = ACCOUNT_LINK.findall(response.text)
    assert listed == [str(paused)]
    assert str(available) not in response.text


async def test_account_list_pages_through_accounts(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    catalog = await seed_catalog(app)
    await add_stock(app, catalog.spotify, 21)

    first = await client.get("/console/inventario")
    following = re.search(r'<a href="(\?[^"]*cursor=[^"]+)" rel="next">', first.text)
    assert following is not None
    second = await client.get("/console/inventario" + following.group(1).replace("&amp;", "&"))

    assert len(ACCOUNT_LINK.findall(first.text)) == 20
    assert len(ACCOUNT_LINK.findall(second.text)) == 1
    assert 'rel="next"' not in second.text


async def test_invalid_filter_shows_api_message(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")

    response = await client.get("/console/inventario?state=lost")

    assert response.status_code == 422
    assert 'class="notice notice-error"' in response.text


async def test_account_detail_hides_credentials(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    catalog = await seed_catalog(app)
    [account_id] = await add_stock(app, catalog.netflix, 1)

    response = await client.get(f"/console/inventario/cuentas/{account_id}")

    assert response.status_code == 200
    assert "Perfil 4" in response.text
    assert "Tiene PIN" in response.text
    assert "Clave-0" not in response.text
    assert "1000" not in response.text
    assert "@stock.example" in response.text  # the masked login hint


async def test_malformed_account_id_is_not_found(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")

    response = await client.get("/console/inventario/cuentas/..%2F..%2Fstock")

    assert response.status_code == 404


async def test_state_change_form_updates_account(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    catalog = await seed_catalog(app)
    [account_id] = await add_stock(app, catalog.netflix, 1)
    page = f"/console/inventario/cuentas/{account_id}"

    response = await submit(client, page, f"{page}/estado", {"state": "blocked"})
    redirected = await client.get(response.headers["location"])
    stored = await client.get(f"/v1/inventory/accounts/{account_id}", headers=api_headers(client))

    assert response.status_code == 303
    assert "El estado de la cuenta cambió." in redirected.text
    assert stored.json()["state"] == "blocked"


async def test_refused_state_change_shows_api_message(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    catalog = await seed_catalog(app)
    [account_id] = await add_stock(app, catalog.netflix, 1)
    page = f"/console/inventario/cuentas/{account_id}"
    await submit(client, page, f"{page}/estado", {"state": "retired"})

    response = await submit(client, page, f"{page}/estado", {"state": "available"})

    assert response.status_code == 409
    assert "no puede cambiar a" in response.text


async def test_support_cannot_change_state(app: FastAPI) -> None:
    client = await staff_browser(app, "help@example.com", "support")
    catalog = await seed_catalog(app)
    [account_id] = await add_stock(app, catalog.netflix, 1)
    page = f"/console/inventario/cuentas/{account_id}"

    response = await submit(client, page, f"{page}/estado", {"state": "blocked"})

    assert response.status_code == 403


async def test_add_account_form_creates_account(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    catalog = await seed_catalog(app)
    fields = {
        "serviceId": str(catalog.netflix.id),
        "login": "netflix.mx.09@cuenty.mx",
        "password": "Tamarindo-Verde-1200",
        "profiles": "Ana | 4821\nLuis",
        "notes": "Comprada en diciembre",
        "paidUntil": "2027-01-15",
    }

    response = await submit(
        client, "/console/inventario/nueva-cuenta", "/console/inventario/nueva-cuenta", fields
    )
    account_id = response.headers["location"].split("/")[-1].split("?")[0]
    stored = await client.get(f"/v1/inventory/accounts/{account_id}", headers=api_headers(client))

    assert response.status_code == 303
    body = stored.json()
    assert [profile["name"] for profile in body["profiles"]] == ["Ana", "Luis"]
    assert [profile["hasPin"] for profile in body["profiles"]] == [True, False]
    assert body["paidUntil"] == "2027-01-15"


async def test_add_account_shows_field_message(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    catalog = await seed_catalog(app)
    fields = {
        "serviceId": str(catalog.netflix.id),
        "login": "netflix.mx.09@cuenty.mx",
        "password": "Tamarindo-Verde-1200",
        "profileCount": "9",
    }

    response = await submit(
        client, "/console/inventario/nueva-cuenta", "/console/inventario/nueva-cuenta", fields
    )

    count_input = re.search(r'<input id="field-profileCount"[^>]*>', response.text)
    assert response.status_code == 422
    assert count_input is not None
    assert 'value="9"' in count_input.group(0)
    assert 'aria-invalid="true"' in count_input.group(0)
    assert '<p class="field-error" id="field-profileCount-note">' in response.text
    assert "Tamarindo-Verde-1200" not in response.text


async def test_csv_import_reports_rejected_row(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    await seed_catalog(app)
    csv = (
        "servicio,usuario,contrasena,perfiles\n"
        "Netflix,netflix.mx.20@cuenty.mx,Clave-20,4\n"
        "Disney+,disney.mx.01@cuenty.mx,Clave-21,2\n"
        "Spotify,spotify.mx.01@cuenty.mx,Clave-22,1\n"
    )
    token = await csrf_of(client, "/console/inventario/importar")

    response = await client.post(
        "/console/inventario/importar",
        data={"csrf_token": token},
        files={"file": ("cuentas.csv", csv.encode(), "text/csv")},
    )
    listed = await client.get("/v1/inventory/accounts", headers=api_headers(client))

    assert response.status_code == 200
    assert "Filas rechazadas" in response.text
    rejected = re.search(r'<th scope="row" class="number" rowspan="1">(\d+)</th>', response.text)
    assert rejected is not None
    assert rejected.group(1) == "3"
    assert "Ningún servicio del catálogo se llama Disney+." in response.text
    assert len(ACCOUNT_LINK.findall(response.text)) == 2
    assert len(listed.json()["items"]) == 2


async def test_csv_dry_run_stores_nothing(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    await seed_catalog(app)
    token = await csrf_of(client, "/console/inventario/importar")

    response = await client.post(
        "/console/inventario/importar",
        data={"csrf_token": token, "dryRun": "true"},
        files={"file": ("cuentas.csv", b"servicio,usuario,contrasena\nNetflix,a@b.mx,x\n")},
    )
    listed = await client.get("/v1/inventory/accounts", headers=api_headers(client))

    assert response.status_code == 200
    assert "Solo validación: no se guardó nada." in response.text
    assert listed.json()["items"] == []


async def test_unusable_csv_shows_file_errors(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    token = await csrf_of(client, "/console/inventario/importar")

    response = await client.post(
        "/console/inventario/importar",
        data={"csrf_token": token},
        files={"file": ("cuentas.csv", b"servicio,usuario\nNetflix,a@b.mx\n", "text/csv")},
    )

    assert response.status_code == 422
    assert '<ul class="file-errors">' in response.text
    assert "contrasena" in response.text or "password" in response.text


async def test_csv_import_accepts_large_file(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    await seed_catalog(app)
    rows = "".join(
        f"Tidal,tidal.{number}@cuenty.mx,Clave,1,{'n' * 480}\n" for number in range(3200)
    )
    csv = ("servicio,usuario,contrasena,perfiles,notas\n" + rows).encode()
    token = await csrf_of(client, "/console/inventario/importar")

    response = await client.post(
        "/console/inventario/importar",
        data={"csrf_token": token},
        files={"file": ("cuentas.csv", csv, "text/csv")},
    )

    assert len(csv) > app.state.settings.max_body_bytes
    assert response.status_code == 200
    assert (
        '<div class="value">3,200</div><div class="label">Filas rechazadas</div>' in response.text
    )


async def test_csv_import_without_csrf_is_refused(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    await seed_catalog(app)

    response = await client.post(
        "/console/inventario/importar",
        files={"file": ("cuentas.csv", b"servicio,usuario,contrasena\nNetflix,a@b.mx,x\n")},
    )
    listed = await client.get("/v1/inventory/accounts", headers=api_headers(client))

    assert response.status_code == 403
    assert listed.json()["items"] == []


async def test_reveal_asks_for_reason_first(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    catalog = await seed_catalog(app)
    [account_id] = await add_stock(app, catalog.netflix, 1)
    detail = await client.get(f"/console/inventario/cuentas/{account_id}")

    confirmation = await client.get(f"/console/inventario/cuentas/{account_id}/revelar")

    assert f'href="/console/inventario/cuentas/{account_id}/revelar"' in detail.text
    assert confirmation.status_code == 200
    assert "bitácora de auditoría" in confirmation.text
    assert 'name="reason"' in confirmation.text
    assert "Clave-0" not in confirmation.text
    assert await audit_rows(app) == []


async def test_reveal_with_short_reason_is_rejected(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    catalog = await seed_catalog(app)
    [account_id] = await add_stock(app, catalog.netflix, 1)
    page = f"/console/inventario/cuentas/{account_id}/revelar"

    response = await submit(client, page, page, {"reason": "x"})

    reason_input = re.search(r'<textarea id="field-reason"[^>]*>', response.text)
    assert response.status_code == 422
    assert reason_input is not None
    assert 'aria-invalid="true"' in reason_input.group(0)
    assert '<p class="field-error" id="field-reason-note">' in response.text
    assert "Clave-0" not in response.text
    assert await audit_rows(app) == []


async def test_reveal_shows_credentials_and_audits(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    catalog = await seed_catalog(app)
    [account_id] = await add_stock(app, catalog.netflix, 1)
    page = f"/console/inventario/cuentas/{account_id}/revelar"

    response = await submit(client, page, page, {"reason": REASON})

    assert response.status_code == 200
    assert "<code>Clave-0</code>" in response.text
    assert "<code>1003</code>" in response.text
    assert response.headers["cache-control"] == "no-store"
    assert "location" not in response.headers
    [row] = await audit_rows(app)
    assert row.details["account_id"] == str(account_id)
    assert row.details["reason"] == REASON
    assert row.actor_user_id is not None


async def test_support_cannot_reveal(app: FastAPI) -> None:
    client = await staff_browser(app, "help@example.com", "support")
    catalog = await seed_catalog(app)
    [account_id] = await add_stock(app, catalog.netflix, 1)
    page = f"/console/inventario/cuentas/{account_id}/revelar"
    detail = await client.get(f"/console/inventario/cuentas/{account_id}")
    token = await csrf_of(client, "/console/inventario")

    confirmation = await client.get(page)
    posted = await client.post(page, data={"reason": REASON, "csrf_token": token})

    assert detail.status_code == 200
    assert "/revelar" not in detail.text
    assert confirmation.status_code == 403
    assert posted.status_code == 403
    assert "Clave-0" not in posted.text
    assert await audit_rows(app) == []


async def test_reveal_without_csrf_is_refused(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    catalog = await seed_catalog(app)
    [account_id] = await add_stock(app, catalog.netflix, 1)

    response = await client.post(
        f"/console/inventario/cuentas/{account_id}/revelar", data={"reason": REASON}
    )

    assert response.status_code == 403
    assert "Clave-0" not in response.text
    assert await audit_rows(app) == []


async def test_rotation_form_saves_new_password(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    catalog = await seed_catalog(app)
    [account_id] = await add_stock(app, catalog.spotify, 1)
    page = f"/console/inventario/cuentas/{account_id}/rotar"

    response = await submit(client, page, page, {"password": "Mango-Nuevo-7781"})
    revealed = await client.post(
        f"/v1/inventory/accounts/{account_id}/reveal",
        json={"reason": REASON},
        headers=api_headers(client),
    )

    assert response.status_code == 303
    assert response.headers["location"].endswith("?aviso=rotada")
    assert revealed.json()["password"] == "Mango-Nuevo-7781"


async def test_empty_rotation_shows_api_message(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")
    catalog = await seed_catalog(app)
    [account_id] = await add_stock(app, catalog.spotify, 1)
    page = f"/console/inventario/cuentas/{account_id}/rotar"

    response = await submit(client, page, page, {"password": ""})

    assert response.status_code == 422
    assert 'class="notice notice-error"' in response.text


async def test_unknown_account_page_is_not_found(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com", "operations")

    response = await client.get(f"/console/inventario/cuentas/{uuid.uuid4()}")

    assert response.status_code == 404
