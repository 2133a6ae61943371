"""The demo's slow staff on the real ticket service (SQLite), on clocks the
test moves: a slow ticket whose response deadline is longer than
``SLOW_AFTER`` (cistoca: 8 h, 4 s at the test's compression, against 3 s) is
taken up only once the overdue job has marked it; a fixed delay took it up
before its deadline, and then whether the demo had any overdue ticket
depended on which departments the seeded draws gave the slow tickets."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from infra.db import make_engine, make_sessionmaker
from kontakt.demo_parts import demo_sla
from kontakt.migrate import upgrade
from kontakt.overdue import OverdueWatch
from kontakt.settings import Settings
from tickets.domain import Actor
from tickets.service import TicketService


class _Draws(random.Random):
    """``random()`` gives the scripted draws first, then 0.9 (not wrong, not
    slow, no waiting for the citizen)."""

    def __init__(self, draws: list[float]) -> None:
        super().__init__(1)
        self.draws = list(draws)

    def random(self) -> float:
        return self.draws.pop(0) if self.draws else 0.9


class _Clocks:
    def __init__(self) -> None:
        self.start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
        self.elapsed = 0.0

    def wall(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)

    def mono(self) -> float:
        return self.elapsed


async def _desk(tmp_path, monkeypatch):
    import kontakt.demo_staff as staff

    monkeypatch.setattr(staff, "SLOW_AFTER", 3.0)
    url = f"sqlite+aiosqlite:///{tmp_path / 'k.db'}"
    await upgrade(url)
    engine = make_engine(url)
    clocks = _Clocks()
    svc = TicketService(make_sessionmaker(engine), clock=clocks.wall,
                        sla=demo_sla(Settings(), seconds_per_hour=0.5))
    # Not returned (0.5 >= 0.15), slow (0.1 < 0.2).
    people = staff.Staff(svc, ["cistoca"], _Draws([0.5, 0.1]), clock=clocks.mono)
    t = await svc.open_ticket(Actor("agent01", "agent"), kind="request", subject="Контејнер",
                              description="Пун контејнер.", phone="0214000001",
                              department="cistoca")
    assert t["deadline"]["response_due_at"] == clocks.wall() + timedelta(seconds=4)
    return engine, clocks, svc, people, t["number"]


async def _status(svc: TicketService, number: str) -> str:
    return (await svc.get(Actor("supervisor", "supervisor"), number))["status"]


async def test_slow_staff_take_a_ticket_up_only_once_it_is_marked_overdue(tmp_path, monkeypatch):
    engine, clocks, svc, people, number = await _desk(tmp_path, monkeypatch)
    try:
        watch = OverdueWatch(svc, 0.5, clock=clocks.wall)
        assert await people.round() == 0  # planned: slow
        clocks.elapsed = 3.5  # past SLOW_AFTER, before the 4 s response deadline
        assert await people.round() == 0
        assert await watch.run_once() == []
        assert await _status(svc, number) == "forwarded"
        clocks.elapsed = 4.5  # past the deadline: the overdue job marks it
        assert await watch.run_once() == [number]
        assert await people.round() == 0
        assert await _status(svc, number) == "active"
        actions = [h["action"] for h in await svc.history(Actor("supervisor", "supervisor"),
                                                          number)]
        assert actions.index("overdue") < actions.index("status"), actions
        assert (await svc.followup_totals())["overdue"] == 1
    finally:
        await engine.dispose()


async def test_slow_staff_take_it_up_anyway_when_nothing_marks_it(tmp_path, monkeypatch):
    engine, clocks, svc, people, number = await _desk(tmp_path, monkeypatch)
    try:
        await people.round()
        clocks.elapsed = 11.5  # no overdue job: waits for the mark until 4 x SLOW_AFTER
        await people.round()
        assert await _status(svc, number) == "forwarded"
        clocks.elapsed = 12.0
        await people.round()
        assert await _status(svc, number) == "active"
    finally:
        await engine.dispose()
