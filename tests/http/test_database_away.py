"""The database out of reach (restarting, gone): a clear 503 the client may
retry, never a 500 with a traceback."""

from __future__ import annotations

import httpx
from http_fakes import FakeEngine

from infra.db import make_engine, make_sessionmaker
from kontakt.http.app import create_app
from kontakt.http.context import HttpContext
from kontakt.settings import Settings
from tickets.service import TicketService


async def test_a_database_out_of_reach_is_a_503_to_retry(tmp_path, config_holder):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/no/such/folder/k.db")
    sm = make_sessionmaker(engine)
    ctx = HttpContext(sessionmaker=sm, tickets=TicketService(sm), settings=Settings(),
                      engine=FakeEngine(), config_holder=config_holder)
    transport = httpx.ASGITransport(app=create_app(ctx))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            r = await c.post("/api/token", json={"username": "agent01", "password": "x" * 12})
    finally:
        await engine.dispose()
    assert r.status_code == 503, r.text
    assert r.json()["error"] == "database.unavailable"
