"""Fixtures for the notification tests: a real SMTP server (aiosmtpd), a real
private Kannel, the ``notifications`` table on SQLite and PostgreSQL, a clock."""

from __future__ import annotations

import email
import email.policy
import secrets
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from kontakt.db import make_engine, make_sessionmaker
from tickets.notify.jobs import Notification

sys.path.insert(0, str(Path(__file__).parent))
from kannel_rig import KannelRig, free_port, kannel_missing  # noqa: E402

PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"
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
    def __init__(self, port: int | None = None, *, auth: bool = False) -> None:
        self.port = port or free_port()
        self.inbox = Inbox()
        kw = {}
        if auth:
            kw = {"auth_required": True, "auth_require_tls": False,
                  "authenticator": _authenticator}
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **kw)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_servers():
    """Factory: ``smtp_servers(port=None, auth=False)`` starts a real SMTP server."""
    started: list[SmtpServer] = []

    def start(port: int | None = None, *, auth: bool = False) -> SmtpServer:
        server = SmtpServer(port, auth=auth).start()
        started.append(server)
        return server

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def smtp_server(smtp_servers):
    return smtp_servers()


@pytest.fixture
async def kannels(tmp_path):
    """Factory: ``await kannels(sendsms_port=None)`` starts a private Kannel."""
    reason = kannel_missing()
    if reason:
        pytest.skip(reason)
    rigs: list[KannelRig] = []

    async def start(sendsms_port: int | None = None) -> KannelRig:
        rig = KannelRig(tmp_path / f"kannel{len(rigs)}", sendsms_port)
        rigs.append(rig)
        await rig.start()
        return rig

    yield start
    for rig in rigs:
        rig.stop()


@pytest.fixture
async def kannel(kannels):
    return await kannels()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def sessionmaker(request, tmp_path):
    """The notifications table on SQLite (tmp file) or a private PostgreSQL database."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/notify.db")
        admin = name = None
    else:
        name = f"kontakt_test_{secrets.token_hex(6)}"
        admin = await asyncpg.connect(PG_ADMIN_DSN)
        await admin.execute(f'CREATE DATABASE "{name}"')
        engine = make_engine(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: Notification.__table__.create(c))
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()
        if admin is not None:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


class ManualClock:
    def __init__(self) -> None:
        self.now = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock():
    return ManualClock()
