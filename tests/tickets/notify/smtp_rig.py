"""A real SMTP server for tests (aiosmtpd in its own thread) that keeps what it gets."""

from __future__ import annotations

import email
import email.policy
import ssl
import subprocess
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from kontakt.channels.kannel_box import free_port

SMTP_USER, SMTP_PASSWORD = "kontakt", "smtp-lozinka"


class Inbox:
    """aiosmtpd handler keeping every message; refuses mailboxes named nobody@..."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = (auth_data.login.decode(), auth_data.password.decode()) == (SMTP_USER, SMTP_PASSWORD)
    return AuthResult(success=ok, handled=False)  # aiosmtpd answers 535 itself


class SmtpServer:
    def __init__(self, port: int | None = None, *, auth: bool = False,
                 tls: ssl.SSLContext | None = None) -> None:
        self.port = port or free_port()
        self.inbox = Inbox()
        kw: dict = {}
        if auth:
            kw = {"auth_required": True, "auth_require_tls": tls is not None,
                  "authenticator": _authenticator}
        if tls:
            kw |= {"tls_context": tls, "require_starttls": True}
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **kw)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def self_signed(workdir: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context trusting it) for a 127.0.0.1 certificate."""
    key, cert = workdir / "smtp.key", workdir / "smtp.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client
