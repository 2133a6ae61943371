"""The database out of reach (restarting, gone): a clear 503 the client may
retry, never a 500 with a traceback."""

from __future__ import annotations

import asyncio

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
        # aiosqlite's worker thread of the failed connect reports back through
        # the loop; let it finish before the loop closes (else a thread warning).
        await asyncio.sleep(0.2)
    assert r.status_code == 503, r.text
    assert r.json()["error"] == "database.unavailable"


async def test_postgresql_refusing_connections_is_a_503_too(config_holder):
    """While PostgreSQL restarts, asyncpg's refused connection reaches the
    endpoint unwrapped (a ConnectionRefusedError): 503, not 500."""
    from asterisk.ports import free_tcp_port

    engine = make_engine(f"postgresql+asyncpg://kontakt@127.0.0.1:{free_tcp_port()}/none")
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


def test_asyncpg_shutting_down_counts_as_the_database_away() -> None:
    from sqlalchemy.exc import DBAPIError

    from kontakt.http.ops import _database_away

    class CannotConnectNowError(Exception):  # asyncpg's name for "shutting down"
        pass

    adapter = Exception("the database system is shutting down")
    adapter.__cause__ = CannotConnectNowError("the database system is shutting down")
    assert _database_away(DBAPIError("SELECT 1", None, adapter))
    assert not _database_away(DBAPIError("SELECT 1", None, ValueError("bad value")))
