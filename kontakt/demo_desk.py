"""The demo's people: operators who classify each answered call and open its
ticket (transferring part of the citizens to the department; a citizen who
reports a problem already reported is attached to that ticket), department
staff who take forwarded tickets and resolve or cancel them (slow on some,
so they go overdue; wrong on some, returned to the contact center, where the
operator forwards them again), and a local mail server that receives the
citizens' notifications.  They work through the same ticket service the
workstations use (the staff's plans: ``kontakt.demo_staff``)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque
from typing import Any

from infra.logs import get_logger

log = get_logger()

SUBJECTS = {
    "complaint": ["Смеће није одвезено", "Оштећен коловоз", "Бука са градилишта"],
    "request": ["Орезивање стабла", "Замена сијалице јавне расвете", "Одгушење канализације"],
    "suggestion": ["Нова аутобуска линија", "Клупе у парку"],
    "information": ["Радно време матичне службе", "Цена паркинг карте"],
}


ADDRESSES = ["Булевар ослобођења 10", "Футошка 12", "Змај Јовина 4", "Темеринска 31",
             "Булевар цара Лазара 56", "Руменачка 18", "Кисачка 40", "Шафарикова 7"]


class DemoDesk:
    def __init__(
        self,
        tickets: Any,
        publisher: Any,
        departments: list[str],
        *,
        rng: random.Random,
        transfer_share: float = 0.3,
        email_share: float = 0.5,
        repeat_share: float = 0.2,
        transfer_agents: frozenset[str] | None = None,
    ) -> None:
        self.repeat_share = repeat_share
        self.tickets, self.publisher = tickets, publisher
        self.departments = departments
        self.rng = rng
        self.transfer_share, self.email_share = transfer_share, email_share
        # Operators who transfer every citizen (None: any operator, at random,
        # for transfer_share of the calls).
        self.transfer_agents = transfer_agents
        self._tasks: set[asyncio.Task[Any]] = set()
        self._staff: asyncio.Task[None] | None = None
        self.errors = 0
        self.problems: list[dict[str, Any]] = []  # reported lately: some citizens call again

    def start(self) -> None:
        self.publisher.subscribe(self._on_event)
        self._staff = asyncio.create_task(self._department_staff())

    async def stop(self) -> None:
        self.publisher.unsubscribe(self._on_event)
        for t in [*self._tasks, *([self._staff] if self._staff else [])]:
            t.cancel()
        for t in [*self._tasks, *([self._staff] if self._staff else [])]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t

    async def settle(self, timeout: float = 60.0) -> None:
        """Wait until every answered call's ticket is written and handled."""
        from tickets.domain import Actor

        sup = Actor("supervisor", "supervisor")
        for _ in range(int(timeout / 0.5)):
            open_ = [t for t in await self.tickets.search(sup, limit=500)
                     if t["status"] in ("forwarded", "active", "waiting", "returned")]
            if not self._tasks and not open_:
                return
            await asyncio.sleep(0.5)

    def _on_event(self, topic: str, ev: dict[str, Any]) -> None:
        if ev.get("type") == "call.connected" and not ev.get("callback"):
            task = asyncio.create_task(self._operator(ev))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _operator(self, ev: dict[str, Any]) -> None:
        from tickets.domain import Actor

        await asyncio.sleep(0.5 + self.rng.random())  # listening to the citizen
        agent = ev.get("agent") or "agent01"
        actor = Actor(agent, "agent")
        kind = self.rng.choices(list(SUBJECTS), weights=[30, 40, 10, 20])[0]
        fields: dict[str, Any] = {
            "kind": kind,
            "subject": self.rng.choice(SUBJECTS[kind]),
            "description": "Пријављено телефоном у Контакт центру.",
            "phone": ev.get("caller"),
            "language": ev.get("language") or "sr",
            "call": {
                "uniqueid": ev.get("uniqueid"),
                "agent": agent,
                "wait_seconds": ev.get("wait"),
            },
        }
        if self.rng.random() < self.email_share:
            fields["email"] = f"gradjanin{self.rng.randrange(1000, 9999)}@example.org"
        department = self.rng.choice(self.departments)
        fields["address"] = self.rng.choice(ADDRESSES)
        again = self._reported_again(kind)
        if again is not None:  # the same problem as a citizen before
            department = again["department"]
            fields.update(subject=again["subject"], address=again["address"])
        try:
            r = self.rng.random()
            if again is not None and await self._attach(actor, department, fields):
                return
            transfers = (agent in self.transfer_agents if self.transfer_agents is not None
                         else r < self.transfer_share)
            if transfers and ev.get("channel"):
                await self.tickets.open_and_transfer(
                    actor, department=department, channel_name=ev["channel"], **fields
                )
            elif kind == "information" and r < 0.7:
                await self.tickets.open_ticket(actor, resolve_now=True, **fields)
            else:
                await self.tickets.open_ticket(actor, department=department, **fields)
            if kind != "information":
                self.problems = [*self.problems[-11:], {
                    "kind": kind, "department": department, "subject": fields["subject"],
                    "address": fields["address"]}]
        except Exception as e:
            self.errors += 1
            log.warning("demo.operator_failed", error=str(e), agent=agent)

    def _reported_again(self, kind: str) -> dict[str, Any] | None:
        same = [p for p in self.problems if p["kind"] == kind]
        if same and self.rng.random() < self.repeat_share:
            return self.rng.choice(same)
        return None

    async def _attach(self, actor: Any, department: str, fields: dict[str, Any]) -> bool:
        """Shown the open tickets that look the same, the operator attaches
        the citizen's report to the best one (False: none open any more)."""
        alike = await self.tickets.look_alikes(
            actor, department=department, kind=fields["kind"], subject=fields["subject"],
            description=fields["description"], address=fields["address"])
        if not alike:
            return False
        await self.tickets.open_ticket(actor, department=department,
                                       attach_to=alike[0]["number"], **fields)
        return True

    async def _department_staff(self) -> None:
        from kontakt.demo_staff import Staff

        staff = Staff(self.tickets, self.departments, self.rng)
        while True:
            await asyncio.sleep(0.5)
            try:
                self.errors += await staff.round()
            except Exception as e:  # the database busy for a while: next round
                self.errors += 1
                log.warning("demo.staff_round_failed", error=str(e))


class MailSink:
    """A real local SMTP server (aiosmtpd) for the demo's notifications: it
    counts what it receives and keeps only the latest (a demo runs for hours;
    keeping every message grew its memory by megabytes an hour)."""

    def __init__(self, keep: int = 50) -> None:
        self.messages: deque[Any] = deque(maxlen=keep)
        self.received = 0
        self.controller: Any = None
        self.port = 0

    def start(self) -> bool:
        try:
            from aiosmtpd.controller import Controller
        except ImportError:
            return False
        from asterisk.ports import free_tcp_port

        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                sink.messages.append(envelope)
                sink.received += 1
                return "250 OK"

        self.port = free_tcp_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return True

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
