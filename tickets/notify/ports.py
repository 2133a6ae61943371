"""The two ways a citizen is told: an SMS gateway and an e-mail sender.

Adapters (``kannel.KannelSmsGateway``, ``smtp.SmtpEmailSender``) implement
these; tests of pure logic may fake them.  Every failure is raised as
``NotificationFailed`` with a stable ``code``, ``details`` and whether trying
again later can help (``retryable``): a gateway that is down is retryable, a
recipient the server refuses is not.
"""

from __future__ import annotations

from typing import Any, Protocol


class NotificationFailed(Exception):
    """Sending failed.  ``code`` is stable (``sms.unreachable``, ``email.refused``...)."""

    def __init__(self, code: str, details: dict[str, Any] | None = None,
                 retryable: bool = True) -> None:
        self.code = code
        self.details = dict(details or {})
        self.retryable = retryable
        super().__init__(f"{code}: {self.details}")

    def summary(self) -> str:
        """One line for the ticket view and the ``last_error`` column."""
        extra = ", ".join(f"{k}={v}" for k, v in self.details.items())
        return f"{self.code} ({extra})" if extra else self.code


class SmsGateway(Protocol):
    async def send(self, to_e164: str, text: str) -> str:
        """Hand ``text`` to the gateway for ``to_e164``; return the message id."""
        ...


class EmailSender(Protocol):
    async def send(self, to: str, subject: str, body: str) -> str:
        """Send a plain-text UTF-8 e-mail; return its Message-ID."""
        ...
