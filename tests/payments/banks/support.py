"""Local stand-ins for the banks: an HTTP server on 127.0.0.1 with per-route handlers, an
STP that checks each `firma` with the company's public key, and an OAuth2 bank API."""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Reply = tuple[int, dict[str, str], bytes]
Route = Callable[[Seen], Reply]


def json_reply(document: Any, status: int = 200) -> Reply:
    return status, {"Content-Type": "application/json"}, json.dumps(document).encode()


@dataclass
class MockServer:
    """Threaded HTTP server: `routes[(method, path)]` responds and `seen` records requests."""

    routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    url: str = ""

    def count(self, path: str) -> int:
        return sum(1 for request in self.seen if request.path == path)


@contextmanager
def serve(mock: MockServer, tls: ssl.SSLContext | None = None) -> Iterator[MockServer]:
    """Run `mock` on 127.0.0.1 with a free port, over HTTPS when `tls` is given."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(
                self.command,
                parts.path,
                parse_qs(parts.query),
                {key.lower(): value for key, value in self.headers.items()},
                self.rfile.read(length),
            )
            mock.seen.append(seen)
            route = mock.routes.get((self.command, parts.path))
            status, headers, body = route(seen) if route else json_reply({}, 404)
            try:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up, as the timeout tests intend

        do_GET = do_POST = do_PUT = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if tls else "http"
    mock.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    try:
        yield mock
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def slow(reply: Reply, seconds: float) -> Route:
    """A route that responds after `seconds`, to trip the client's timeout."""

    def route(_: Seen) -> Reply:
        time.sleep(seconds)
        return reply

    return route


# --- STP ----------------------------------------------------------------------------------

# STP's registraOrden signature order, written here independently of the code under test.
ORDER_FIELDS = (
    "institucionContraparte empresa fechaOperacion folioOrigen claveRastreo "
    "institucionOperante monto tipoPago tipoCuentaOrdenante nombreOrdenante cuentaOrdenante "
    "rfcCurpOrdenante tipoCuentaBeneficiario nombreBeneficiario cuentaBeneficiario "
    "rfcCurpBeneficiario emailBeneficiario tipoCuentaBeneficiario2 nombreBeneficiario2 "
    "cuentaBeneficiario2 rfcCurpBeneficiario2 conceptoPago conceptoPago2 claveCatUsuario1 "
    "claveCatUsuario2 clavePago referenciaCobranza referenciaNumerica tipoOperacion topologia "
    "usuario medioEntrega prioridad iva"
).split()
BAD_SIGNATURE = {"estado": 1, "mensaje": "Error validando la firma"}


def make_key_pair(folder: Path, passphrase: str) -> tuple[Path, rsa.RSAPublicKey]:
    """Write an encrypted RSA private key PEM and return its path and public key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = folder / "stp-key.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
    )
    return path, key.public_key()


def signature_valid(public_key: rsa.RSAPublicKey, cadena: str, firma: str) -> bool:
    try:
        public_key.verify(
            base64.b64decode(firma), cadena.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def order_cadena(body: dict[str, Any]) -> str:
    values = []
    for name in ORDER_FIELDS:
        value = body.get(name)
        if name == "monto":
            value = f"{value:.2f}"
        values.append("" if value is None else str(value))
    return "||" + "|".join(values) + "||"


@dataclass
class StpState:
    """Data the STP stand-in serves: balances per account and orders per (type, date)."""

    public_key: rsa.RSAPublicKey
    balances: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (tipoOrden, fechaOperacion) -> pages of orders
    orders: dict[tuple[str, str], list[list[dict[str, Any]]]] = field(default_factory=dict)
    next_order_id: int = 9001


def stp_routes(state: StpState) -> dict[tuple[str, str], Route]:
    def balance(seen: Seen) -> Reply:
        body = seen.json()
        cadena = f"||{body['empresa']}|{body['cuentaOrdenante']}|{body.get('fecha', '')}||"
        if not signature_valid(state.public_key, cadena, body.get("firma", "")):
            return json_reply(BAD_SIGNATURE)
        saldo = state.balances.get(body["cuentaOrdenante"])
        if saldo is None:
            return json_reply({"estado": 2, "mensaje": "Cuenta inexistente"})
        return json_reply({"estado": 0, "mensaje": "Datos consultados", "respuesta": saldo})

    def conciliation(seen: Seen) -> Reply:
        body = seen.json()
        day = body.get("fechaOperacion", "")
        cadena = f"||{body['empresa']}|{body['tipoOrden']}|{day}||"
        if not signature_valid(state.public_key, cadena, body.get("firma", "")):
            return json_reply(BAD_SIGNATURE)
        pages = state.orders.get((body["tipoOrden"], day), [])
        total = sum(len(page) for page in pages)
        page = pages[body["page"]] if body["page"] < len(pages) else []
        return json_reply({"estado": 0, "mensaje": "ok", "datos": page, "total": total})

    def register(seen: Seen) -> Reply:
        body = seen.json()
        if not signature_valid(state.public_key, order_cadena(body), body.get("firma", "")):
            rejected = {"id": 0, "descripcionError": "Error validando la firma"}
            return json_reply({"resultado": rejected})
        state.next_order_id += 1
        return json_reply({"resultado": {"id": state.next_order_id}})

    return {
        ("POST", "/efws/API/consultaSaldoCuenta"): balance,
        ("POST", "/efws/API/V2/conciliacion"): conciliation,
        ("PUT", "/speiws/rest/ordenPago/registra"): register,
    }


# --- OAuth2 bank --------------------------------------------------------------------------


@dataclass
class OAuthState:
    """Token endpoint plus API: tokens are "token-1", "token-2", ... in issue order."""

    client_id: str = "cuenty-client"
    client_secret: str = "s3cret-value"
    expires_in: int = 3600
    issued: list[str] = field(default_factory=list)
    revoked: set[str] = field(default_factory=set)
    documents: dict[str, Any] = field(default_factory=dict)

    def authorized(self, seen: Seen) -> bool:
        token = seen.headers.get("authorization", "").removeprefix("Bearer ")
        return token in self.issued and token not in self.revoked


def oauth_routes(state: OAuthState, api_paths: dict[str, str]) -> dict[tuple[str, str], Route]:
    """`api_paths` maps a request path to the key of the JSON document it returns."""

    def token(seen: Seen) -> Reply:
        expected = base64.b64encode(f"{state.client_id}:{state.client_secret}".encode()).decode()
        form = parse_qs(seen.body.decode())
        if seen.headers.get("authorization") != f"Basic {expected}":
            return json_reply({"error": "invalid_client"}, 401)
        if form.get("grant_type") != ["client_credentials"]:
            return json_reply({"error": "unsupported_grant_type"}, 400)
        issued = f"token-{len(state.issued) + 1}"
        state.issued.append(issued)
        return json_reply(
            {"access_token": issued, "token_type": "Bearer", "expires_in": state.expires_in}
        )

    def api(key: str) -> Route:
        def route(seen: Seen) -> Reply:
            if not state.authorized(seen):
                return json_reply({"error": "invalid_token"}, 401)
            return json_reply(state.documents[key])

        return route

    routes = {("POST", "/oauth/token"): token}
    for path, key in api_paths.items():
        routes[("GET", path)] = api(key)
    return routes


# --- mutual TLS ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def make_tls_files(folder: Path) -> TlsFiles:
    """Write a test CA, a server certificate for 127.0.0.1 and a client certificate."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CUENTY test CA")])
    ca_cert = _certificate(ca_name, ca_name, ca_key.public_key(), ca_key, is_ca=True)
    paths = {}
    for role in ("server", "client"):
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"cuenty-{role}")])
        cert = _certificate(name, ca_name, key.public_key(), ca_key, is_ca=False)
        paths[role] = (
            _write_pem(folder / f"{role}.crt", cert),
            _write_key(folder / f"{role}.key", key),
        )
    return TlsFiles(
        ca=_write_pem(folder / "ca.crt", ca_cert),
        server_cert=paths["server"][0],
        server_key=paths["server"][1],
        client_cert=paths["client"][0],
        client_key=paths["client"][1],
    )


def server_tls(files: TlsFiles) -> ssl.SSLContext:
    """A server context that requires a client certificate signed by the test CA."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.server_cert, files.server_key)
    context.load_verify_locations(files.ca)
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def _certificate(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    signing_key: ec.EllipticCurvePrivateKey,
    is_ca: bool,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    if not is_ca:
        alt_names = [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def _write_pem(path: Path, cert: x509.Certificate) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path
