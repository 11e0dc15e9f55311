"""CSV import of inventory accounts: per-row report, duplicates, Excel's formats, dry run."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from cuenty.inventory.models import ServiceAccount
from tests.inventory.support import add_account, create_service, stock_events

URL = "/v1/inventory/accounts/import"
CSV_HEADERS = {"Content-Type": "text/csv; charset=utf-8"}


async def _import(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    content: bytes,
    *,
    dry_run: bool = False,
    language: str | None = None,
) -> httpx.Response:
    extra = {"Accept-Language": language} if language else {}
    return await client.post(
        URL + ("?dryRun=true" if dry_run else ""),
        content=content,
        headers={**headers, **CSV_HEADERS, **extra},
    )


async def _count(app: FastAPI) -> int:
    async with app.state.session_factory() as session:
        return await session.scalar(select(func.count()).select_from(ServiceAccount)) or 0


async def test_import_reports_each_bad_row(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    netflix = await create_service(app, profiles_per_account=2)
    await create_service(app, "Spotify", 1)
    await add_account(client, operations, netflix, "ya.existe@cuenty.mx")
    content = "\n".join(
        [
            "service,login,password,profiles,pins,notes,paid_until",
            "Netflix,bien.1@cuenty.mx,Clave-1,Sala|Cuarto,1234|,,2027-01-31",
            "HBO Max,hbo@cuenty.mx,Clave-2,,,,",
            "Netflix,sin.clave@cuenty.mx,,,,,",
            "netflix,BIEN.1@cuenty.mx,Clave-3,,,,",
            "Netflix,ya.existe@cuenty.mx,Clave-4,,,,",
            "Netflix,fecha@cuenty.mx,Clave-5,,,,31-01-2027",
            "Spotify,muchos@cuenty.mx,Clave-6,3,,,",
            "Spotify,corta@cuenty.mx",
            "spotify,bien.2@cuenty.mx,Clave-7,,,,15/02/2027",
        ]
    ).encode()

    response = await _import(client, operations, content, language="en")

    assert response.status_code == 200, response.text
    report = response.json()
    rejected = {(error["row"], error["field"], error["code"]) for error in report["errors"]}
    assert rejected == {
        (3, "service", "unknown_service"),
        (4, "password", "missing"),
        (5, "login", "duplicate_in_file"),
        (6, "login", "duplicate_login"),
        (7, "paid_until", "invalid_date"),
        (8, "profiles", "too_many_profiles"),
        (9, "password", "missing"),
    }
    assert report["received"] == 9
    assert report["imported"] == 2
    assert report["rejected"] == 7
    messages = {error["row"]: error["message"] for error in report["errors"]}
    assert messages[5] == "The same login for this service is already in row 2."
    assert messages[3] == "No catalog service is named HBO Max."
    assert await _count(app) == 3
    assert "Clave-1" not in response.text


async def test_import_reports_in_spanish_by_default(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    await create_service(app)
    content = b"service,login,password\nDisney,a@b.mx,x\n"

    response = await _import(client, operations, content)

    assert (
        response.json()["errors"][0]["message"] == "Ningún servicio del catálogo se llama Disney."
    )


async def test_import_excel_file_with_bom_and_semicolons(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    netflix = await create_service(app, profiles_per_account=5)
    content = (
        "\ufeffServicio;Usuario;Contraseña;Perfiles;Pines;Notas;Pagado hasta\r\n"
        "Netflix;josé.pérez@cuenty.mx;Ñandú;Mamá|Papá;1111|2222;Renovar en enero;31/01/2027\r\n"
        'Netflix;otra@cuenty.mx;"con;punto y coma";2;;;\r\n'
    ).encode()

    response = await _import(client, operations, content)

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["errors"] == []
    assert report["imported"] == 2
    detail = await client.get(
        f"/v1/inventory/accounts/{report['accountIds'][0]}", headers=operations
    )
    body = detail.json()
    assert [profile["name"] for profile in body["profiles"]] == ["Mamá", "Papá"]
    assert body["paidUntil"] == "2027-01-31"
    assert body["notes"] == "Renovar en enero"
    assert body["loginHint"] == "jo•••@cuenty.mx"
    reveal = await client.post(
        f"/v1/inventory/accounts/{report['accountIds'][1]}/reveal",
        json={"reason": "Revisar importación"},
        headers=operations,
    )
    assert reveal.json()["password"] == "con;punto y coma"
    assert await stock_events(app) == [{"serviceId": str(netflix)}]


async def test_import_dry_run_stores_nothing(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    await create_service(app)
    content = b"service,login,password\nNetflix,a@b.mx,x\nNetflix,c@d.mx,y\n"

    response = await _import(client, operations, content, dry_run=True)

    assert response.status_code == 200
    assert response.json()["dryRun"] is True
    assert response.json()["received"] == 2
    assert response.json()["imported"] == 0
    assert response.json()["errors"] == []
    assert await _count(app) == 0
    assert await stock_events(app) == []


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"service,login\nNetflix,a@b.mx\n", "missing_column"),
        (b"service,login,password,color\nNetflix,a@b.mx,x,rojo\n", "unknown_column"),
        (b"service,login,login,password\n", "duplicate_column"),
        (b"", "empty_file"),
        ("service,login,password\nNetflix,ñ@b.mx,x\n".encode("latin-1"), "invalid_encoding"),
        (b'service,login,password\nNetflix,"a@b.mx,x\n', "malformed_csv"),
    ],
)
async def test_import_rejects_unusable_files(
    app: FastAPI,
    client: httpx.AsyncClient,
    operations: dict[str, str],
    content: bytes,
    code: str,
) -> None:
    await create_service(app)

    response = await _import(client, operations, content)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_csv"
    assert [error["code"] for error in response.json()["errors"]] == [code]
    assert await _count(app) == 0


async def test_import_needs_csv_content_type(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    response = await client.post(URL, json={"service": "Netflix"}, headers=operations)

    assert response.status_code == 415


async def test_import_accepts_20_mib_but_not_more(
    app: FastAPI, client: httpx.AsyncClient, operations: dict[str, str]
) -> None:
    await create_service(app)
    header = b"service,login,password,notes\n"
    row = b"Netflix,a@b.mx,x," + b"n" * 400 + b"\n"
    too_large = header + row * (21 * 1024 * 1024 // len(row))
    over_default = header + b"Netflix,a@b.mx,x,\n" + b"\n" * (2 * 1024 * 1024)

    rejected = await _import(client, operations, too_large)
    accepted = await _import(client, operations, over_default)

    assert rejected.status_code == 413
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["imported"] == 1
