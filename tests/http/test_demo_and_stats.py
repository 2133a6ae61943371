"""Demo start (seeded users printed, service answering), `run` refusing
without an administrator, and the call figures per day and hour."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from http_fakes import FakeEngine, FakeTickets

from infra.db import make_engine, make_sessionmaker
from kontakt.eventlog import EventLog, new_event
from kontakt.http import callstats
from kontakt.http.context import HttpContext
from kontakt.http.demo import start_demo_http, start_run_http
from kontakt.settings import Settings


async def test_demo_prints_address_and_users_and_serves(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/demo.db")
    sm = make_sessionmaker(engine)
    ctx = HttpContext(sessionmaker=sm, tickets=FakeTickets(), settings=Settings(seats=3),
                      engine=FakeEngine())
    out = io.StringIO()
    svc = await start_demo_http(ctx, 0, out=out)
    try:
        text = out.getvalue()
        assert f"{svc.url}/" in text
        lines = {ln.split()[0]: ln.split() for ln in text.splitlines() if ln.startswith("  ")}
        assert {"agent01", "agent03", "supervisor", "admin", "staff-vodovod"} <= set(lines)
        async with httpx.AsyncClient(base_url=svc.url, headers={"Origin": svc.url}) as c:
            r = await c.post("/api/login", json={"username": "supervisor",
                                                 "password": lines["supervisor"][1]})
            assert r.status_code == 200
            assert (await c.get("/wallboard")).status_code == 200
            assert (await c.get("/openapi.json")).json()["openapi"].startswith("3.")
    finally:
        await svc.stop()
        await engine.dispose()


async def test_run_refuses_without_an_administrator(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/run.db")
    ctx = HttpContext(sessionmaker=make_sessionmaker(engine), tickets=FakeTickets(),
                      settings=Settings(http_port=0))
    from kontakt.cli import UserError as CliUserError

    with pytest.raises(CliUserError, match="kontakt user add"):
        await start_run_http(ctx)
    await engine.dispose()


async def test_call_log_per_day_and_hour(sessionmaker):
    base = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # 09:30 in Novi Sad
    events = [("call.connected", 0, 5.0), ("call.connected", 10, 25.0),
              ("call.abandoned", 20, 40.0), ("call.connected", 24 * 60, 3.0),
              ("call.rejected", 24 * 60 + 1, 0.0), ("call.queued", 5, 0.0)]
    log = EventLog(sessionmaker)  # the engine's own event log
    for i, (type_, minutes, wait) in enumerate(events):
        ev = new_event(type_, uniqueid=f"u{i}", wait=wait, agent="agent01")
        ev["ts"] = (base + timedelta(minutes=minutes)).isoformat()
        log.record(f"kontakt/queue/u{i}", ev)
    await log.flush()
    rows = await callstats.load(sessionmaker, base + timedelta(days=2), 7)
    days = callstats.aggregate(rows, "day")
    assert [d["period"] for d in days] == ["2026-03-02", "2026-03-03"]
    d0 = days[0]
    assert (d0["answered"], d0["abandoned"], d0["offered"]) == (2, 1, 3)
    assert d0["service_level"] == pytest.approx(1 / 3, abs=1e-3)
    assert d0["asa"] == 15.0 and d0["abandon_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert days[1]["rejected"] == 1 and days[1]["offered"] == 2
    hours = callstats.aggregate(rows, "hour")
    assert hours[0]["period"] == "2026-03-02 09:00"


def test_today_figures_from_snapshot():
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    snap = {"agents": [{"id": "agent01", "state": "paused", "reason": "break",
                        "since": (now - timedelta(seconds=90)).isoformat(), "calls_today": 4}],
            "waiting": [{"wait": 12.0}, {"wait": 31.0}],
            "stats": {"offered": 10, "answered": 8, "abandoned": 2, "rejected": 0,
                      "answered_within_20s": 6, "avg_answer_wait": 9.5, "max_wait_now": 31.0}}
    t = callstats.today(snap, {}, now)
    assert t["waiting"] == 2 and t["longest_wait"] == 31.0
    assert t["service_level"] == 0.6 and t["abandon_rate"] == 0.2 and t["asa"] == 9.5
    assert t["agents"][0]["in_state"] == 90.0
