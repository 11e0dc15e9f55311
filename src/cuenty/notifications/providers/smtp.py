"""Email over SMTP with STARTTLS (aiosmtplib): a plain-text message per notification."""

from __future__ import annotations

import ssl
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.notifications.providers.base import OutgoingMessage, ProviderError


class SmtpProvider:
    name = "smtp"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str | None,
        password: str | None,
        starttls: bool,
        sender: str,
        timeout_seconds: float,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.starttls = starttls
        self.sender = sender
        self.timeout_seconds = timeout_seconds
        self.tls_context = tls_context

    def build(self, message: OutgoingMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.address
        email["Subject"] = message.subject
        email["Message-ID"] = make_msgid(domain="cuenty.mx")
        email["Content-Language"] = message.locale
        email.set_content(message.body)
        return email

    async def send(self, message: OutgoingMessage, session: AsyncSession) -> str:
        email = self.build(message)
        try:
            await aiosmtplib.send(
                email,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.starttls,
                tls_context=self.tls_context,
                timeout=self.timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refused.code for refused in error.recipients]
            text = f"smtp refused the recipient: {codes}"
            raise ProviderError(text, permanent=all(code >= 500 for code in codes)) from error
        except aiosmtplib.SMTPResponseException as error:
            # 5xx replies are permanent (unknown mailbox, rejected); 4xx are temporary.
            raise ProviderError(
                f"smtp responded {error.code}: {error.message[:200]}", permanent=error.code >= 500
            ) from error
        except (aiosmtplib.SMTPException, OSError) as error:
            text = f"smtp failed: {type(error).__name__}: {error}"
            raise ProviderError(text, permanent=False) from error
        return str(email["Message-ID"])
