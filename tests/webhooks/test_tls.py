"""HTTPS deliveries connect to the checked address but verify the certificate against the
URL's host name, sent as SNI. A server on 127.0.0.1 with its own certificate plays the
integrator.
"""

from __future__ import annotations

import asyncio
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cuenty.webhooks import delivery
from tests.webhooks.support import FakeResolver, Receiver, local_settings


def _certificate(folder: Path, host: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{host}.pem", folder / f"{host}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def _deliver_over_tls(
    tmp_path: Path, certificate_host: str
) -> tuple[delivery.AttemptResult, list[str], Receiver]:
    cert_path, key_path = _certificate(tmp_path, certificate_host)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_path, key_path)
    server_names: list[str] = []
    server_context.sni_callback = lambda _socket, name, _context: server_names.append(name)  # type: ignore
    receiver = Receiver()
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0, ssl=server_context)
    port = server.sockets[0].getsockname()[1]
    try:
        result = await delivery.send(
            f"https://hooks.test:{port}/cuenty",
            message_id="evt_tls",
            body='{"ok":true}',
            secrets=["whsec_" + "B" * 43],
            settings=local_settings(),
            resolver=FakeResolver({"hooks.test": ["127.0.0.1"]}),
            tls_context=ssl.create_default_context(cafile=str(cert_path)),
        )
    finally:
        server.close()
        await server.wait_closed()
    return result, server_names, receiver


async def test_https_checks_certificate_of_host(tmp_path: Path) -> None:
    result, server_names, receiver = await _deliver_over_tls(tmp_path, "hooks.test")

    assert result.succeeded, result
    assert server_names == ["hooks.test"]
    assert receiver.received[0].headers["host"].startswith("hooks.test:")


async def test_https_rejects_certificate_of_other_host(tmp_path: Path) -> None:
    result, _, receiver = await _deliver_over_tls(tmp_path, "other.test")

    assert result.succeeded is False
    assert "certificate" in (result.error or "").lower()
    assert receiver.received == []
