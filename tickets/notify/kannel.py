"""SMS through Kannel's HTTP ``sendsms`` interface (smsbox), with httpx.

``GET {url}/cgi-bin/sendsms?username=&password=&to=&text=&charset=UTF-8``
plus ``coding=2`` (UCS-2) when the text is not GSM-7 (Cyrillic, č, ő...);
Kannel splits long messages itself when the sendsms-user allows
concatenation.  Kannel answers ``0: Accepted for delivery`` or ``3: Queued
for later delivery`` (HTTP 202) when it takes the message; it returns no
message id, so the adapter makes one (``kannel-<hex>``) and logs it.

Failures: connection refused/timeouts and 5xx are retryable; a refused
password is retryable too (the fix is in our configuration, not the
citizen's number); any other 4xx (a number Kannel rejects) is not.
"""

from __future__ import annotations

import uuid

import httpx

from infra.logs import get_logger
from tickets.notify.messages import needs_ucs2
from tickets.notify.ports import NotificationFailed

log = get_logger()
SENDSMS_PATH = "/cgi-bin/sendsms"


class KannelSmsGateway:
    """``SmsGateway`` for Kannel.  ``url`` is the smsbox's base (``http://host:13013``)."""

    def __init__(self, url: str, username: str, password: str, *, sender: str | None = None,
                 timeout: float = 10.0) -> None:
        base = url.rstrip("/")
        self.url = base if base.endswith(SENDSMS_PATH) else base + SENDSMS_PATH
        self.username = username
        self.password = password
        self.sender = sender
        self.timeout = timeout

    def params(self, to_e164: str, text: str) -> dict[str, str]:
        """The query string of one sendsms request (the password included)."""
        p = {"username": self.username, "password": self.password, "to": to_e164,
             "text": text, "charset": "UTF-8"}
        if needs_ucs2(text):
            p["coding"] = "2"
        if self.sender:
            p["from"] = self.sender
        return p

    async def send(self, to_e164: str, text: str) -> str:
        if not to_e164.startswith("+") or not to_e164[1:].isdigit():
            raise NotificationFailed("sms.bad_number", {"to": to_e164}, retryable=False)
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                resp = await client.get(self.url, params=self.params(to_e164, text))
        except httpx.TimeoutException as e:
            raise NotificationFailed("sms.timeout", {"url": self.url, "error": type(e).__name__}
                                     ) from None
        except httpx.HTTPError as e:
            raise NotificationFailed("sms.unreachable", {"url": self.url, "error": str(e) or
                                                         type(e).__name__}) from None
        body = resp.text.strip()
        if resp.status_code in (200, 202) and body[:2] in ("0:", "3:"):
            message_id = f"kannel-{uuid.uuid4().hex}"
            log.info("sms.accepted", to=to_e164, message_id=message_id, kannel=body)
            return message_id
        details = {"http_status": resp.status_code, "answer": body[:200]}
        if resp.status_code >= 500 or resp.status_code == 403 or "Authorization" in body:
            code = "sms.auth_refused" if resp.status_code == 403 else "sms.gateway_error"
            raise NotificationFailed(code, details, retryable=True)
        raise NotificationFailed("sms.refused", details, retryable=False)
