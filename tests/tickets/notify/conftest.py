"""Fixtures for the notification tests: a real SMTP server (aiosmtpd), a real
private Kannel, the ``notifications`` table on SQLite and PostgreSQL, a clock."""

from __future__ import annotations

import secrets
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from infra.db import make_engine, make_sessionmaker
from kontakt.channels.kannel_box import KannelBox, kannel_missing
from tickets.notify.jobs import Notification

sys.path.insert(0, str(Path(__file__).parent))
from smtp_rig import SmtpServer

PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
def smtp_servers():
    """Factory: ``smtp_servers(port=None, auth=False, tls=None)`` starts a real SMTP server."""
    started: list[SmtpServer] = []

    def start(port: int | None = None, *, auth: bool = False, tls=None) -> SmtpServer:
        server = SmtpServer(port, auth=auth, tls=tls).start()
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
    rigs: list[KannelBox] = []

    async def start(sendsms_port: int | None = None) -> KannelBox:
        # These tests only send: citizens' SMS (the box's sms-service) would go
        # to a port nothing listens on.
        rig = KannelBox(tmp_path / f"kannel{len(rigs)}", "http://127.0.0.1:9/sms",
                        sendsms_port=sendsms_port)
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
