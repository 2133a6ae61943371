"""The demo's department staff, one round every half second: each forwarded
ticket gets a plan when first seen.  Most are taken up at once and resolved
a few seconds later (some wait for the citizen first); some are slow
(taken up only after ``SLOW_AFTER`` seconds and, when the ticket has a
response deadline, only once the overdue job has marked it: slow is past the
ticket's own deadline, whatever the deadlines' compression and however fast
the writes are); some are for another department (returned with
a reason and a suggestion, once per ticket).  Returned tickets are forwarded
again by the operator who opened them, to the department suggested."""

from __future__ import annotations

import random
import time
from typing import Any

from infra.logs import get_logger

log = get_logger()

SLOW_AFTER = 25.0  # seconds at least (past every demo deadline's response time)
SLOW_AT_MOST = 4  # x SLOW_AFTER: taken up even if never marked (no overdue job)
WRONG_SHARE, SLOW_SHARE, WAIT_SHARE = 0.15, 0.2, 0.1
OPEN = ("forwarded", "active", "waiting", "returned")


class Staff:
    def __init__(self, tickets: Any, departments: list[str], rng: random.Random,
                 clock: Any = time.monotonic) -> None:
        self.tickets, self.departments, self.rng, self.clock = tickets, departments, rng, clock
        self.plans: dict[str, tuple[str, float]] = {}  # number -> (next step, not before)
        self.returned: set[str] = set()
        self.slow: dict[str, float] = {}  # number -> taken up by then, marked or not

    def _plan(self, t: dict[str, Any], now: float) -> tuple[str, float]:
        if t["number"] not in self.returned and self.rng.random() < WRONG_SHARE:
            return "return", now
        if self.rng.random() < SLOW_SHARE:
            self.slow[t["number"]] = now + SLOW_AT_MOST * SLOW_AFTER
            return "take", now + SLOW_AFTER
        return "take", now

    def _still_slow(self, t: dict[str, Any], now: float) -> bool:
        """A slow ticket with a response deadline waits for the overdue
        job's mark (a fixed delay raced the deadline: the response deadline
        of most departments is longer than ``SLOW_AFTER`` in a test's
        compression, and then only the order of the tasks decided whether any
        ticket went overdue)."""
        until = self.slow.get(t["number"])
        if until is None or now >= until:
            return False
        deadline = t.get("deadline") or {}
        return (deadline.get("response_due_at") is not None
                and deadline.get("overdue_deadline") is None)

    async def round(self) -> int:
        """One pass over the open tickets; returns how many steps failed."""
        from tickets.domain import Actor

        sup = Actor("supervisor", "supervisor")
        now, errors = self.clock(), 0
        # One read a round (on SQLite every transaction takes the write lock).
        open_ = [t for t in await self.tickets.search(sup, limit=500)
                 if t["status"] in OPEN]
        for t in open_:
            n = t["number"]
            if t["status"] == "forwarded" and (n not in self.plans
                                               or self.plans[n][0] not in ("take", "return")):
                self.plans[n] = self._plan(t, now)
            step, when = self.plans.get(n, ("", 0.0))
            if t["status"] == "returned":
                step, when = "forward", 0.0
            if when > now or not step:
                continue
            if step == "take" and self._still_slow(t, now):
                continue
            try:
                await self._do(step, t, now)
            except Exception as e:  # a ticket merged or moved meanwhile
                errors += 1
                log.warning("demo.staff_failed", error=str(e), ticket=n, step=step)
                self.plans.pop(n, None)
                self.slow.pop(n, None)
        return errors

    async def _do(self, step: str, t: dict[str, Any], now: float) -> None:
        from tickets.domain import Actor

        n, dep = t["number"], t["department"]
        svc = self.tickets
        staff = Actor(f"staff-{dep}", "department", dep) if dep else None
        if step == "return" and staff is not None:
            other = self.rng.choice([d for d in self.departments if d != dep] or [dep])
            self.returned.add(n)
            await svc.give_back(staff, n, "Није у надлежности ове службе.", other)
            self.plans.pop(n, None)
        elif step == "forward":
            history = await svc.history(Actor("supervisor", "supervisor"), n)
            last = next(h for h in reversed(history) if h["action"] == "returned")
            to = last["details"].get("suggested_department") or self.rng.choice(self.departments)
            await svc.forward(Actor(t["opened_by"], "agent"), n, to, "Прослеђено надлежној служби.")
            self.plans[n] = ("take", now)
            self.slow.pop(n, None)
        elif step == "take" and staff is not None:
            await svc.change_status(staff, n, "active", "Преузето у служби.")
            self.slow.pop(n, None)
            wait = self.rng.random() < WAIT_SHARE
            self.plans[n] = ("wait" if wait else "finish", now + self.rng.uniform(2.0, 6.0))
        elif step == "wait" and staff is not None:
            await svc.change_status(staff, n, "waiting", "Чекамо допуну од грађанина.")
            self.plans[n] = ("resume", now + 2.0)
        elif step == "resume" and staff is not None:
            await svc.change_status(staff, n, "active", "Грађанин доставио допуну.")
            self.plans[n] = ("finish", now + 1.0)
        elif step == "finish" and staff is not None:
            outcome = "resolved" if self.rng.random() < 0.85 else "cancelled"
            await svc.change_status(staff, n, outcome, "Решено на терену." if outcome ==
                                    "resolved" else "Није могуће решити.")
            self.plans.pop(n, None)
