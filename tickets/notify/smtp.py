"""E-mail over SMTP with aiosmtplib (STARTTLS and login both optional).

Plain-text UTF-8 messages with a Message-ID we make (returned as the id).
Failures: connection refused, timeouts, 4xx replies and a refused login are
retryable (the server or our configuration may recover); a 5xx reply to the
recipient or the message is not.
"""

from __future__ import annotations

import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from infra.logs import get_logger
from tickets.notify.ports import NotificationFailed

log = get_logger()


class SmtpEmailSender:
    """``EmailSender`` for an SMTP relay at ``host:port``, sending as ``sender``."""

    def __init__(self, host: str, port: int, sender: str, *, username: str | None = None,
                 password: str | None = None, starttls: bool = False,
                 timeout: float = 10.0, tls_context: ssl.SSLContext | None = None) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username or None
        self.password = password or None
        self.starttls = starttls
        self.timeout = timeout
        # None: the system's CAs verify the relay's certificate (STARTTLS).
        self.tls_context = tls_context

    def build(self, to: str, subject: str, body: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        domain = self.sender.rpartition("@")[2].strip(">") or "localhost"
        msg["Message-ID"] = make_msgid(domain=domain)
        msg.set_content(body, charset="utf-8")
        return msg

    async def send(self, to: str, subject: str, body: str) -> str:
        if "@" not in to or any(c.isspace() for c in to.strip()):
            raise NotificationFailed("email.bad_address", {"to": to}, retryable=False)
        msg = self.build(to.strip(), subject, body)
        try:
            await aiosmtplib.send(
                msg, hostname=self.host, port=self.port, username=self.username,
                password=self.password, start_tls=self.starttls, use_tls=False,
                timeout=self.timeout, tls_context=self.tls_context,
            )
        except aiosmtplib.SMTPAuthenticationError as e:
            raise NotificationFailed("email.auth_refused", _reply(e), retryable=True) from None
        except aiosmtplib.SMTPRecipientsRefused as e:
            reply = e.recipients[0] if e.recipients else None
            details = {"to": to, **(_reply(reply) if reply else {})}
            raise NotificationFailed("email.refused", details,
                                     retryable=bool(reply and 400 <= reply.code < 500)) from None
        except aiosmtplib.SMTPResponseException as e:
            raise NotificationFailed("email.server_error", _reply(e),
                                     retryable=400 <= e.code < 500) from None
        except (aiosmtplib.SMTPException, OSError) as e:
            details = {"server": f"{self.host}:{self.port}", "error": str(e) or type(e).__name__}
            raise NotificationFailed("email.unreachable", details, retryable=True) from None
        message_id = str(msg["Message-ID"])
        log.info("email.accepted", to=to, message_id=message_id)
        return message_id


def _reply(e: aiosmtplib.SMTPResponseException) -> dict[str, object]:
    return {"smtp_code": e.code, "smtp_message": str(e.message)[:200]}
