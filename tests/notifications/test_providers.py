"""Each provider against a local server on 127.0.0.1 speaking its documented format: request
bodies, auth headers, error and rate-limit responses. SMTP runs through a real aiosmtpd
server with STARTTLS; Web Push through a push service that decrypts the payload.
"""

from __future__ import annotations

import base64
import json
import socket
from email import message_from_bytes
from pathlib import Path
from typing import Any

import http_ece
import jwt
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cuenty.notifications.providers import OutgoingMessage, ProviderError
from cuenty.notifications.providers.meta import MetaWhatsAppProvider
from cuenty.notifications.providers.smtp import SmtpProvider
from cuenty.notifications.providers.twilio import TwilioProvider
from cuenty.notifications.providers.webpush import WebPushProvider
from tests.notifications.support import LocalServer, Request, json_reply, running
from tests.notifications.tls import make_certificate

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "twilio-auth-token-for-tests"


def message(channel: str = "whatsapp", address: str = "+525512345678", **kw: Any):
    values: dict[str, Any] = {
        "notification_id": "n-1",
        "channel": channel,
        "address": address,
        "template": "payment_received",
        "locale": "es-MX",
        "subject": "Recibimos tu pago",
        "body": "¡Gracias! Recibimos tu pago de $299.00 MXN.",
        "masked_body": "¡Gracias! Recibimos tu pago de $299.00 MXN.",
        "parameters": ["$299.00 MXN"],
    }
    values.update(kw)
    return OutgoingMessage(**values)


def meta(url: str) -> MetaWhatsAppProvider:
    return MetaWhatsAppProvider(
        api_url=f"{url}/v21.0",
        phone_number_id="106540352242922",
        access_token="meta-token",
        language="es_MX",
        timeout_seconds=5,
    )


def twilio(url: str, channel: str = "sms") -> TwilioProvider:
    return TwilioProvider(
        channel=channel,
        api_url=url,
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        sender="+15005550006",
        public_base_url="https://api.cuenty.mx",
        timeout_seconds=5,
    )


async def test_meta_sends_template_with_bearer_token() -> None:
    reply = {
        "messaging_product": "whatsapp",
        "contacts": [{"input": "525512345678", "wa_id": "525512345678"}],
        "messages": [{"id": "wamid.HBgLNTI1NTEyMzQ1Njc4FQIAERgS"}],
    }
    async with running(LocalServer(lambda request: json_reply(200, reply))) as server:
        message_id = await meta(server.url).send(message(), None)  # type: ignore[arg-type]

    request = server.requests[0]
    body = request.json()
    assert message_id == "wamid.HBgLNTI1NTEyMzQ1Njc4FQIAERgS"
    assert request.path == "/v21.0/106540352242922/messages"
    assert request.headers["authorization"] == "Bearer meta-token"
    assert body["messaging_product"] == "whatsapp"
    assert body["to"] == "525512345678"
    assert body["type"] == "template"
    assert body["template"]["name"] == "cuenty_payment_received"
    assert body["template"]["language"] == {"code": "es_MX"}
    assert body["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": "$299.00 MXN"}
    ]


async def test_meta_invalid_number_is_permanent() -> None:
    error = {
        "error": {
            "message": "(#131030) Recipient phone number not in allowed list",
            "type": "OAuthException",
            "code": 131030,
            "fbtrace_id": "AbCdEf",
        }
    }
    async with running(LocalServer(lambda request: json_reply(400, error))) as server:
        with pytest.raises(ProviderError) as raised:
            await meta(server.url).send(message(), None)  # type: ignore[arg-type]

    assert raised.value.permanent
    assert "131030" in str(raised.value)


async def test_meta_rate_limit_keeps_retry_after() -> None:
    error = {"error": {"message": "rate limit hit", "code": 130429}}

    def limited(request: Request) -> tuple[int, dict[str, str], bytes]:
        return json_reply(429, error, **{"retry-after": "45"})

    async with running(LocalServer(limited)) as server:
        with pytest.raises(ProviderError) as raised:
            await meta(server.url).send(message(), None)  # type: ignore[arg-type]

    assert not raised.value.permanent
    assert raised.value.retry_after == 45


async def test_meta_server_error_is_temporary() -> None:
    async with running(LocalServer(lambda request: json_reply(503, {}))) as server:
        with pytest.raises(ProviderError) as raised:
            await meta(server.url).send(message(), None)  # type: ignore[arg-type]

    assert not raised.value.permanent
    assert raised.value.retry_after is None


async def test_twilio_sms_is_form_encoded_with_basic_auth() -> None:
    reply = {"sid": "SM" + "a" * 32, "status": "queued", "to": "+525512345678"}
    async with running(LocalServer(lambda request: json_reply(201, reply))) as server:
        sid = await twilio(server.url).send(message("sms"), None)  # type: ignore[arg-type]

    request = server.requests[0]
    form = request.form()
    expected_auth = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert sid == "SM" + "a" * 32
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["authorization"] == f"Basic {expected_auth}"
    assert form["To"] == "+525512345678"
    assert form["From"] == "+15005550006"
    assert form["Body"].startswith("¡Gracias!")
    assert form["StatusCallback"] == "https://api.cuenty.mx/v1/notifications/callbacks/twilio"


async def test_twilio_whatsapp_prefixes_addresses() -> None:
    reply = {"sid": "SM" + "b" * 32, "status": "queued"}
    async with running(LocalServer(lambda request: json_reply(201, reply))) as server:
        await twilio(server.url, "whatsapp").send(message(), None)  # type: ignore[arg-type]

    form = server.requests[0].form()
    assert form["To"] == "whatsapp:+525512345678"
    assert form["From"] == "whatsapp:+15005550006"


async def test_twilio_whatsapp_uses_content_template() -> None:
    reply = {"sid": "SM" + "f" * 32, "status": "queued"}
    provider = twilio("http://127.0.0.1", "whatsapp")
    async with running(LocalServer(lambda request: json_reply(201, reply))) as server:
        provider.url = provider.url.replace("http://127.0.0.1", server.url)
        provider.content_sids = {"payment_received": "HX" + "1" * 32}
        await provider.send(message(), None)  # type: ignore[arg-type]

    form = server.requests[0].form()
    assert form["ContentSid"] == "HX" + "1" * 32
    assert json.loads(form["ContentVariables"]) == {"1": "$299.00 MXN"}
    assert "Body" not in form


async def test_twilio_invalid_number_is_permanent() -> None:
    error = {
        "code": 21211,
        "message": "The 'To' number +5255 is not a valid phone number.",
        "more_info": "https://www.twilio.com/docs/errors/21211",
        "status": 400,
    }
    async with running(LocalServer(lambda request: json_reply(400, error))) as server:
        with pytest.raises(ProviderError) as raised:
            await twilio(server.url).send(message("sms"), None)  # type: ignore[arg-type]

    assert raised.value.permanent
    assert "21211" in str(raised.value)


async def test_twilio_too_many_requests_is_temporary() -> None:
    error = {"code": 20429, "message": "Too Many Requests", "status": 429}

    def limited(request: Request) -> tuple[int, dict[str, str], bytes]:
        return json_reply(429, error, **{"retry-after": "2"})

    async with running(LocalServer(limited)) as server:
        with pytest.raises(ProviderError) as raised:
            await twilio(server.url).send(message("sms"), None)  # type: ignore[arg-type]

    assert not raised.value.permanent
    assert raised.value.retry_after == 2


async def test_unreachable_provider_is_temporary() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ProviderError) as raised:
        await twilio(f"http://127.0.0.1:{port}").send(message("sms"), None)  # type: ignore[arg-type]

    assert not raised.value.permanent


class RecordingHandler:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such mailbox"
        if address.startswith("busy@"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(tmp_path: Path) -> Any:
    certificate = make_certificate(tmp_path)
    handler = RecordingHandler()
    logins: list[str] = []

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any):
        assert isinstance(data, LoginPassword)
        logins.append(data.login.decode())
        return AuthResult(success=data.password == b"smtp-password")

    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=authenticate,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield controller, handler, certificate, logins
    finally:
        controller.stop()


def smtp(controller: Any, certificate: Any, password: str = "smtp-password") -> SmtpProvider:  # noqa: S107
    return SmtpProvider(
        host="127.0.0.1",
        port=controller.port,
        username="cuenty",
        password=password,
        starttls=True,
        sender="CUENTY <no-reply@cuenty.mx>",
        timeout_seconds=5,
        tls_context=certificate.client_context(),
    )


async def test_smtp_sends_over_starttls(smtp_server: Any) -> None:
    controller, handler, certificate, logins = smtp_server
    provider = smtp(controller, certificate)

    message_id = await provider.send(message("email", "ana@example.com"), None)  # type: ignore[arg-type]

    envelope = handler.envelopes[0]
    email = message_from_bytes(envelope.content)
    assert logins == ["cuenty"]
    assert envelope.rcpt_tos == ["ana@example.com"]
    assert email["Subject"] == "Recibimos tu pago"
    assert email["Message-ID"] == message_id
    assert "Recibimos tu pago" in email.get_payload(decode=True).decode()


@pytest.mark.parametrize(("address", "permanent"), [("nobody@", True), ("busy@", False)])
async def test_smtp_rejections_by_reply_code(
    smtp_server: Any, address: str, permanent: bool
) -> None:
    controller, handler, certificate, _ = smtp_server
    provider = smtp(controller, certificate)

    with pytest.raises(ProviderError) as raised:
        await provider.send(message("email", address + "example.com"), None)  # type: ignore[arg-type]

    assert raised.value.permanent is permanent
    assert handler.envelopes == []


async def test_smtp_without_starttls_is_refused(smtp_server: Any) -> None:
    controller, handler, certificate, _ = smtp_server
    provider = smtp(controller, certificate)
    provider.starttls = False

    with pytest.raises(ProviderError):
        await provider.send(message("email", "ana@example.com"), None)  # type: ignore[arg-type]

    assert handler.envelopes == []


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class PushService:
    """A push service that checks the VAPID JWT and decrypts the aes128gcm payload with the
    browser's keys, as a browser vendor's service and the browser together would."""

    def __init__(self, status: int = 201) -> None:
        self.browser_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = b"0123456789abcdef"
        self.status = status
        self.payloads: list[dict[str, Any]] = []
        self.claims: list[dict[str, Any]] = []

    def keys(self) -> dict[str, str]:
        public = self.browser_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"p256dh": b64url(public), "auth": b64url(self.auth_secret)}

    def __call__(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        scheme, _, params = request.headers["authorization"].partition(" ")
        assert scheme == "vapid"
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        public = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), base64.urlsafe_b64decode(fields["k"] + "==")
        )
        self.claims.append(
            jwt.decode(fields["t"], public, algorithms=["ES256"], options={"verify_aud": False})
        )
        clear = http_ece.decrypt(
            request.body,
            private_key=self.browser_key,
            auth_secret=self.auth_secret,
            version="aes128gcm",
        )
        self.payloads.append(json.loads(clear))
        return self.status, {"location": "/push/messages/42"}, b""


def vapid_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def local_webpush() -> WebPushProvider:
    # The push services of these tests listen on 127.0.0.1, so private addresses are allowed.
    return WebPushProvider(
        private_key=vapid_key(),
        subject="mailto:soporte@cuenty.mx",
        timeout_seconds=5,
        allow_private=True,
    )


async def test_webpush_payload_is_encrypted_and_signed() -> None:
    service = PushService()
    provider = local_webpush()
    async with running(LocalServer(service)) as server:
        outgoing = message("push", f"{server.url}/push/send/abc", push_keys=service.keys())
        location = await provider.send(outgoing, None)  # type: ignore[arg-type]

    request = server.requests[0]
    assert location == "/push/messages/42"
    assert request.headers["content-encoding"] == "aes128gcm"
    assert service.payloads == [
        {"title": "Recibimos tu pago", "body": "¡Gracias! Recibimos tu pago de $299.00 MXN."}
    ]
    assert service.claims[0]["sub"] == "mailto:soporte@cuenty.mx"
    assert service.claims[0]["aud"] == server.url


async def test_webpush_gone_subscription_is_permanent() -> None:
    service = PushService(status=410)
    provider = local_webpush()
    async with running(LocalServer(service)) as server:
        outgoing = message("push", f"{server.url}/push/send/abc", push_keys=service.keys())
        with pytest.raises(ProviderError) as raised:
            await provider.send(outgoing, None)  # type: ignore[arg-type]

    assert raised.value.permanent
