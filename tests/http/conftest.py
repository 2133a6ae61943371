from __future__ import annotations

import shutil
import sys
from pathlib import Path

import httpx
import pytest

from dialplan.holder import ConfigHolder
from dialplan.loader import default_path
from infra.db import make_engine, make_sessionmaker
from kontakt.http.app import create_app
from kontakt.http.context import HttpContext
from kontakt.http.users import add_user
from kontakt.migrate import upgrade
from kontakt.settings import Settings
from tickets.service import TicketService

sys.path.insert(0, str(Path(__file__).parent))  # http_fakes, for this area's tests
from http_fakes import FakeEngine
from http_helpers import PASSWORD, USERS


@pytest.fixture
async def sessionmaker(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/kontakt.db"
    await upgrade(url)  # every table, through the Alembic revisions
    engine = make_engine(url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def config_holder(tmp_path):
    """The real holder over a private copy of the shipped configuration."""
    path = tmp_path / "kontakt.yaml"
    shutil.copy(default_path(), path)
    return ConfigHolder(path)


@pytest.fixture
async def web_app(sessionmaker, config_holder):
    """The API over the real ticket service and configuration holder; the ACD
    is a fake here (the rig browser test uses the real engine)."""
    for name, (role, dep, agent) in USERS.items():
        await add_user(sessionmaker, name, PASSWORD, role, department=dep, agent_id=agent)
    ctx = HttpContext(sessionmaker=sessionmaker, tickets=TicketService(sessionmaker),
                      settings=Settings(), engine=FakeEngine(), config_holder=config_holder)
    return create_app(ctx)


@pytest.fixture
async def client(web_app):
    transport = httpx.ASGITransport(app=web_app)
    # A browser's requests carry their Origin (kontakt/http/door.py checks it).
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver",
                                 headers={"Origin": "http://testserver"}) as c:
        yield c
