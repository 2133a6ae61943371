"""The deadline clock's rules: how each ticket event moves ``Ticket.sla``,
what a ticket shows (due time, working time left, overdue) and which
deadline a ticket has missed.  Pure: the working calendar
(``dialplan.workclock.WorkClock``, or ``AlwaysOpen`` for the demo's compressed
day) and the deadlines (``dialplan.deadlines``) are given.

The clock starts when the ticket is forwarded to a department (again from
zero when forwarded to another one: the new department's deadline), stops
while the ticket waits for the citizen and when it leaves the department
(resolved, cancelled, returned, merged), and runs on when it is reopened.
The response deadline is met by the department's first step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from dialplan.deadlines import Deadlines
from tickets import domain as d
from tickets.clock_state import Sla
from tickets.domain import Status, Ticket
from tickets.followup import Merged, Returned

RUNNING = frozenset({Status.forwarded, Status.active})


class Calendar(Protocol):
    def seconds_between(self, a: datetime, b: datetime) -> float: ...

    def add(self, start: datetime, seconds: float) -> datetime: ...


class SlaPolicy:
    def __init__(self, deadlines: Callable[[], Deadlines] | Deadlines,
                 calendar: Calendar) -> None:
        self._deadlines = deadlines if callable(deadlines) else (lambda: deadlines)
        self.calendar = calendar

    # -- the clock -----------------------------------------------------------

    def apply(self, t: Ticket, events: list[d.Event]) -> None:
        """Move the ticket's clock for its new (not yet written) events."""
        for ev in events:
            if isinstance(ev, d.Forwarded):
                self._start(t, ev.department, ev.at)
            elif isinstance(ev, d.StatusChanged):
                self._step(t.sla, ev.old, ev.new, ev.at)
            elif isinstance(ev, Returned | Merged):
                self._step(t.sla, ev.old, Status.returned, ev.at)

    def _start(self, t: Ticket, department: str, at: datetime) -> None:
        dl = self._deadlines().for_ticket(department, t.kind.value)
        if dl is None:
            t.sla = Sla()
            return
        cal = self.calendar
        t.sla = Sla(response_s=dl.response_seconds, resolution_s=dl.resolution_seconds,
                    started_at=at, response_due_at=cal.add(at, dl.response_seconds),
                    running_since=at, due_at=cal.add(at, dl.resolution_seconds))

    def _step(self, sla: Sla, old: Status, new: Status, at: datetime) -> None:
        if sla.resolution_s is None:
            return
        if sla.responded_at is None and old is Status.forwarded:
            sla.responded_at = at
        if new in RUNNING and sla.running_since is None:  # resumed, reopened
            sla.running_since = at
            sla.due_at = self.calendar.add(at, max(0.0, sla.resolution_s - sla.used_s))
        elif new not in RUNNING and sla.running_since is not None:  # stopped
            sla.used_s += self.calendar.seconds_between(sla.running_since, at)
            sla.running_since, sla.due_at = None, None

    # -- what a ticket shows -----------------------------------------------------

    def left(self, sla: Sla, now: datetime) -> float | None:
        """Working seconds left to resolve (negative: late); None: no deadline."""
        if sla.resolution_s is None:
            return None
        used = sla.used_s
        if sla.running_since is not None:
            used += self.calendar.seconds_between(sla.running_since, now)
        return sla.resolution_s - used

    def missed(self, t: Ticket, now: datetime) -> tuple[str, datetime] | None:
        """The deadline ``t`` has missed and not yet been marked for, if any."""
        return missed(t, now)

    def view(self, t: Ticket, now: datetime) -> dict[str, Any]:
        sla = t.sla
        left = self.left(sla, now)
        late = left is not None and left < 0 and t.status in RUNNING
        late = late or self.missed(t, now) is not None
        return {"due_at": sla.due_at, "response_due_at": sla.response_due_at,
                "responded_at": sla.responded_at,
                "left_seconds": None if left is None else round(left),
                "clock": ("none" if sla.resolution_s is None else
                          "running" if sla.running_since is not None else "stopped"),
                "overdue": bool(sla.overdue) or late, "overdue_deadline": sla.overdue}


def missed(t: Ticket, now: datetime) -> tuple[str, datetime] | None:
    """The deadline ``t`` has missed and not yet been marked for, if any
    (needs no calendar: the due times are stored)."""
    sla = t.sla
    if t.status not in RUNNING or sla.resolution_s is None:
        return None
    if sla.overdue != "resolution" and sla.due_at is not None and sla.due_at <= now:
        return "resolution", sla.due_at
    if sla.overdue is None and sla.responded_at is None and \
            sla.response_due_at is not None and sla.response_due_at <= now:
        return "response", sla.response_due_at
    return None


def plain_view(t: Ticket) -> dict[str, Any]:
    """The stored clock without a policy (no deadlines configured)."""
    sla = t.sla
    return {"due_at": sla.due_at, "response_due_at": sla.response_due_at,
            "responded_at": sla.responded_at, "left_seconds": None,
            "clock": "none" if sla.resolution_s is None else
            "running" if sla.running_since is not None else "stopped",
            "overdue": bool(sla.overdue), "overdue_deadline": sla.overdue}
