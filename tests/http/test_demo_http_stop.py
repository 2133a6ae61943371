"""The demo's (and `kontakt run`'s) web server leaves SIGINT and SIGTERM to
the process, and stops quickly and quietly with a live event stream open."""

from __future__ import annotations

import asyncio
import io
import signal
import time

import httpx
from http_fakes import FakeEngine, FakeTickets

from infra.db import make_engine, make_sessionmaker
from kontakt.http.context import HttpContext
from kontakt.http.demo import start_demo_http
from kontakt.settings import Settings


async def test_serving_leaves_the_signals_alone_and_a_live_stream_ends_with_stop(tmp_path, capfd):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/demo.db")
    ctx = HttpContext(sessionmaker=make_sessionmaker(engine), tickets=FakeTickets(),
                      settings=Settings(seats=2), engine=FakeEngine())
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    out = io.StringIO()
    svc = await start_demo_http(ctx, 0, out=out)
    password = next(ln.split()[1] for ln in out.getvalue().splitlines()
                    if ln.strip().startswith("supervisor"))
    # A browser's request: it says where it comes from; the session is the cookie.
    client = httpx.AsyncClient(base_url=svc.url, timeout=10, headers={"Origin": svc.url})
    opened = asyncio.Event()

    async def listen() -> None:
        r = await client.post("/api/login", json={"username": "supervisor", "password": password})
        assert r.status_code == 200, r.text
        async with client.stream("GET", "/api/events") as resp:
            async for _ in resp.aiter_lines():
                opened.set()

    stream = asyncio.create_task(listen())
    try:
        await asyncio.wait_for(opened.wait(), 10)
        assert {sig: signal.getsignal(sig) for sig in before} == before
        started = time.monotonic()
        await svc.stop()
        assert time.monotonic() - started < 3
        await asyncio.wait_for(stream, 5)  # the stream ended, it was not cut by the client
    finally:
        stream.cancel()
        await client.aclose()
        await engine.dispose()
    assert {sig: signal.getsignal(sig) for sig in before} == before
    err = capfd.readouterr().err
    assert "timeout graceful shutdown" not in err and "Traceback" not in err
