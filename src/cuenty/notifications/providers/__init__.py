"""The provider of each channel, chosen by settings (`CUENTY_WHATSAPP_PROVIDER` and the
others); "dev" records messages in a table instead of sending them.
"""

from __future__ import annotations

from typing import Any

from cuenty.config import Settings
from cuenty.notifications.providers.base import OutgoingMessage, Provider, ProviderError
from cuenty.notifications.providers.dev import DevProvider

CHANNELS = ("whatsapp", "sms", "email", "push")

__all__ = ["CHANNELS", "OutgoingMessage", "Provider", "ProviderError", "build_providers"]


def build_providers(settings: Settings, resources: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the provider of every channel. `resources` may carry `smtp_tls_context`, and
    `push_resolver` and `push_tls_context` for Web Push (tests use their own)."""
    return {
        "whatsapp": _whatsapp(settings),
        "sms": _sms(settings),
        "email": _email(settings, resources or {}),
        "push": _push(settings, resources or {}),
    }


def uses_real_providers(settings: Settings) -> bool:
    """Return whether any channel is configured with a provider that really sends."""
    return any(
        value != "dev"
        for value in (
            settings.whatsapp_provider,
            settings.sms_provider,
            settings.email_provider,
            settings.push_provider,
        )
    )


def _whatsapp(settings: Settings) -> Any:
    if settings.whatsapp_provider == "meta":
        from cuenty.notifications.providers.meta import MetaWhatsAppProvider

        return MetaWhatsAppProvider(
            api_url=settings.meta_whatsapp_api_url,
            phone_number_id=settings.meta_whatsapp_phone_number_id or "",
            access_token=settings.optional_secret("meta_whatsapp_access_token") or "",
            language=settings.meta_whatsapp_template_language,
            timeout_seconds=settings.provider_timeout_seconds,
        )
    if settings.whatsapp_provider == "twilio":
        return _twilio(settings, "whatsapp", settings.twilio_whatsapp_from)
    return DevProvider("whatsapp")


def _sms(settings: Settings) -> Any:
    if settings.sms_provider == "twilio":
        return _twilio(settings, "sms", settings.twilio_sms_from)
    return DevProvider("sms")


def _twilio(settings: Settings, channel: str, sender: str | None) -> Any:
    from cuenty.notifications.providers.twilio import TwilioProvider

    return TwilioProvider(
        channel=channel,
        api_url=settings.twilio_api_url,
        account_sid=settings.twilio_account_sid or "",
        auth_token=settings.optional_secret("twilio_auth_token") or "",
        sender=sender or "",
        public_base_url=settings.public_base_url,
        timeout_seconds=settings.provider_timeout_seconds,
        content_sids=settings.twilio_content_sids,
    )


def _email(settings: Settings, resources: dict[str, Any]) -> Any:
    if settings.email_provider == "smtp":
        from cuenty.notifications.providers.smtp import SmtpProvider

        return SmtpProvider(
            host=settings.smtp_host or "",
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.optional_secret("smtp_password"),
            starttls=settings.smtp_starttls,
            sender=settings.smtp_from,
            timeout_seconds=settings.provider_timeout_seconds,
            tls_context=resources.get("smtp_tls_context"),
        )
    return DevProvider("email")


def _push(settings: Settings, resources: dict[str, Any]) -> Any:
    if settings.push_provider == "webpush":
        from cuenty.notifications.providers.webpush import WebPushProvider
        from cuenty.webhooks.targets import system_resolver

        return WebPushProvider(
            private_key=settings.optional_secret("vapid_private_key") or "",
            subject=settings.vapid_subject,
            timeout_seconds=settings.provider_timeout_seconds,
            allow_private=settings.push_allow_private_endpoints,
            resolver=resources.get("push_resolver") or system_resolver,
            tls_context=resources.get("push_tls_context"),
        )
    return DevProvider("push")
