from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

from kontakt.db import Base, make_engine, make_sessionmaker
from kontakt.http.app import create_app
from kontakt.http.context import HttpContext
from kontakt.http.users import add_user
from kontakt.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))  # http_fakes, for this area's tests
from http_fakes import FakeConfigHolder, FakeEngine, FakeTickets
from http_helpers import PASSWORD, USERS


@pytest.fixture
async def sessionmaker(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/kontakt.db")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def web_app(sessionmaker):
    for name, (role, dep, agent) in USERS.items():
        await add_user(sessionmaker, name, PASSWORD, role, department=dep, agent_id=agent)
    ctx = HttpContext(sessionmaker=sessionmaker, tickets=FakeTickets(), settings=Settings(),
                      engine=FakeEngine(), config_holder=FakeConfigHolder())
    return create_app(ctx)


@pytest.fixture
async def client(web_app):
    transport = httpx.ASGITransport(app=web_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


