"""The demo's desk on the real ticket service (SQLite), without telephony:
answered calls become tickets; the staff are slow on some (marked overdue
by the overdue job on the demo's compressed deadlines), wrong on some
(returned, forwarded again by the operator) and some citizens report the same
problem (attached to the open ticket): all three counted from the database."""

from __future__ import annotations

import asyncio
import random

from infra.db import make_engine, make_sessionmaker
from kontakt.calls.publish import Publisher
from kontakt.demo_desk import DemoDesk
from kontakt.demo_parts import demo_sla
from kontakt.migrate import upgrade
from kontakt.overdue import OverdueWatch
from kontakt.settings import Settings
from tickets.service import TicketService


async def test_demo_desk_makes_overdue_returned_and_merged_tickets(tmp_path, monkeypatch):
    import kontakt.demo_staff as staff

    monkeypatch.setattr(staff, "SLOW_AFTER", 3.0)
    url = f"sqlite+aiosqlite:///{tmp_path / 'k.db'}"
    await upgrade(url)
    engine = make_engine(url)
    sla = demo_sla(Settings(), seconds_per_hour=0.5)  # the default's 2 h response: 1 s
    svc = TicketService(make_sessionmaker(engine), sla=sla)
    pub = Publisher("kontakt")
    desk = DemoDesk(svc, pub, ["vodovod", "cistoca", "zelenilo"], rng=random.Random(7),
                    transfer_share=0.0, repeat_share=0.4)
    watch = OverdueWatch(svc, 0.5)
    desk.start()
    watch.start()
    try:
        for i in range(40):
            pub.call(f"17000000{i:02d}.1", "call.connected", agent=f"agent{i % 20 + 1:02d}",
                     caller=f"0214{i:06d}", wait=1.0, language="sr")
            await asyncio.sleep(0.1)
        await desk.settle(timeout=40)
    finally:
        await watch.stop()
        await desk.stop()
    totals = await svc.followup_totals()
    await engine.dispose()
    assert totals["overdue"] > 0 and totals["returned"] > 0 and totals["merged"] > 0, totals
