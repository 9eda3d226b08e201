"""Where notifications go: e-mail through Django's mail (SMTP; the console in development) and SMS
through a provider interface (a logging provider by default; a real one is a dotted path in settings)."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The channel refused or failed; try again later."""


class SmsProvider(Protocol):
    def send(self, phone: str, text: str) -> str:
        """Send; the provider's message id. Raises DeliveryError."""


class LoggingSmsProvider:
    """Development default: the SMS is written to the log (and to ``sent`` in tests)."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> str:
        LoggingSmsProvider.sent.append((phone, text))
        log.info("SMS to %s: %s", phone, text)
        return f"log-{len(LoggingSmsProvider.sent)}"


def sms_provider() -> SmsProvider:
    return import_string(settings.CONGSO_SMS_PROVIDER)()


def send_email(recipient: str, subject: str, body: str) -> str:
    try:
        message = EmailMessage(subject=subject, body=body, to=[recipient], from_email=settings.DEFAULT_FROM_EMAIL)
        sent = message.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 — SMTP errors come in many classes; all are retried
        raise DeliveryError(f"{exc.__class__.__name__}: {exc}") from exc
    if not sent:
        raise DeliveryError("the mail backend sent nothing")
    return "email"


def send_sms(recipient: str, body: str) -> str:
    try:
        return str(sms_provider().send(recipient, body))
    except DeliveryError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise DeliveryError(f"{exc.__class__.__name__}: {exc}") from exc
