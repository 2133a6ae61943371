"""The channels' tests: a migrated database on SQLite and PostgreSQL, the
real ticket and conversation services with one operator, a private Kannel
(bearerbox, smsbox, fakesmsc) and real SMTP peers (aiosmtpd)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from acd.blend import Blender
from acd.distributor import Distributor
from kontakt.chat.service import ConversationService
from kontakt.chat.store import ConversationStore
from tests import dbs
from tickets.service import TicketService

sys.path.insert(0, str(Path(__file__).parents[1] / "tickets" / "notify"))
from smtp_rig import SmtpServer


@pytest.fixture(params=dbs.KINDS)
async def db_url(request, tmp_path):
    async with dbs.migrated(request.param, tmp_path, "channels") as url:
        yield url


sm = dbs.sm  # the session maker fixture, on this folder's db_url


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
