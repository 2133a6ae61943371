"""The channels' tests: a migrated database on SQLite and PostgreSQL, the
real ticket and conversation services with one operator, a private Kannel
(bearerbox, smsbox, fakesmsc) and real SMTP peers (aiosmtpd)."""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

import asyncpg
import pytest

from acd.blend import Blender
from acd.distributor import Distributor
from infra.db import make_engine, make_sessionmaker
from kontakt.chat.service import ConversationService
from kontakt.chat.store import ConversationStore
from kontakt.migrate import upgrade
from tickets.service import TicketService

sys.path.insert(0, str(Path(__file__).parents[1] / "tickets" / "notify"))
from smtp_rig import SmtpServer

PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/{}"


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres", database="test")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def sm(request, tmp_path):
    name = None
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'channels.db'}"
    else:
        name = f"kontakt_channels_{uuid.uuid4().hex[:12]}"
        await _pg_admin(f'CREATE DATABASE "{name}"')
        url = PG.format(name)
    await upgrade(url)
    engine = make_engine(url)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()
        if name:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Desk:
    """The ticket service and the conversation service with one operator, agent01."""

    def __init__(self, sm) -> None:
        self.acd = Distributor()
        self.acd.add_agent("agent01", ("sr",))
        self.tickets = TicketService(sm)
        self.chats = ConversationService(ConversationStore(sm), Blender(self.acd),
                                         clock=time.time, run_voice=lambda cmds: None,
                                         tickets=self.tickets)

    async def operator_in(self) -> None:
        self.acd.login("agent01", time.time())
        await self.chats.sync()


@pytest.fixture
async def desk(sm):
    d = Desk(sm)
    await d.chats.start()
    yield d
    await d.chats.stop()


@pytest.fixture
def smtp_peer():
    """Where the contact center's replies go (a real SMTP server that keeps them)."""
    server = SmtpServer().start()
    yield server
    server.stop()
