"""The overdue job: every ``overdue_every`` seconds, the tickets past a
deadline (``tickets.sla``) are marked overdue, which writes their history,
the live events for the department, the operator and the supervisors
(``escalations/...``) and, with ``escalation_email``, an e-mail to the
supervisors.  Started by ``kontakt.bootstrap`` with the tickets; stopped
cleanly (the current round finishes or is cancelled within seconds).

Also here: the deadline policy built from the live configuration, so a
``kontakt config reload`` changes the deadlines and the hours they count.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from dialplan.deadlines import Deadlines
from dialplan.workclock import WorkClock
from infra.logs import get_logger
from tickets.sla import SlaPolicy

log = get_logger()


class ConfigCalendar:
    """The working hours of the configuration in force (``config()``)."""

    def __init__(self, config: Callable[[], Any]) -> None:
        self.config = config

    def _clock(self) -> WorkClock:
        c = self.config()
        return WorkClock(c.hours, c.timezone)

    def seconds_between(self, a: datetime, b: datetime) -> float:
        return self._clock().seconds_between(a, b)

    def add(self, start: datetime, seconds: float) -> datetime:
        return self._clock().add(start, seconds)


def policy_for(config: Callable[[], Any]) -> SlaPolicy:
    def deadlines() -> Deadlines:
        return getattr(config(), "deadlines", None) or Deadlines()

    return SlaPolicy(deadlines, ConfigCalendar(config))


class OverdueWatch:
    def __init__(self, tickets: Any, every: float,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.tickets, self.every, self.clock = tickets, every, clock
        self.marked = 0
        self._halt = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> list[str]:
        """Mark every ticket now past a deadline; returns their numbers."""
        out = []
        for number in await self.tickets.due_numbers(self.clock()):
            try:
                if await self.tickets.mark_overdue(number) is not None:
                    out.append(number)
            except Exception:  # one bad ticket must not stop the others
                log.exception("overdue.mark_failed", number=number)
        self.marked += len(out)
        return out

    async def _run(self) -> None:
        while not self._halt.is_set():
            try:
                await self.run_once()
            except Exception:  # the database away for a moment: next round
                log.exception("overdue.round_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._halt.wait(), self.every)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._halt.set()
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._task, 5)
            self._task.cancel()
