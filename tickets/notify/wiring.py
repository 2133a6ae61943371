"""Build the notification adapters and worker from ``kontakt.settings.Settings``."""

from __future__ import annotations

from typing import Any

from tickets.notify.jobs import NotificationWorker, parse_notify_on
from tickets.notify.kannel import KannelSmsGateway
from tickets.notify.ports import EmailSender, SmsGateway
from tickets.notify.smtp import SmtpEmailSender


def senders_from_settings(settings: Any) -> tuple[SmsGateway | None, EmailSender | None]:
    """(SMS gateway, e-mail sender); None for a channel whose settings are unset."""
    sms = None
    if settings.kannel_url:
        sms = KannelSmsGateway(settings.kannel_url, settings.kannel_username,
                               settings.kannel_password or "", sender=settings.kannel_sender)
    email = None
    if settings.smtp_host:
        email = SmtpEmailSender(settings.smtp_host, settings.smtp_port, settings.smtp_from,
                                username=settings.smtp_username,
                                password=settings.smtp_password,
                                starttls=settings.smtp_starttls)
    return sms, email


def worker_from_settings(settings: Any, sessionmaker: Any, **kw: Any) -> NotificationWorker:
    """A ``NotificationWorker`` over the configured gateways (``kw`` goes to it)."""
    sms, email = senders_from_settings(settings)
    return NotificationWorker(sessionmaker, sms, email, **kw)


def notify_on(settings: Any) -> tuple[str, ...]:
    """The statuses that notify, from ``settings.notify_on`` (``"resolved,cancelled"``)."""
    return parse_notify_on(settings.notify_on)
