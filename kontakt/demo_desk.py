"""The demo's people: operators who classify each answered call and open its
ticket (transferring part of the citizens to the department), department
staff who take forwarded tickets and resolve or cancel them, and a local
mail server that receives the citizens' notifications.  They work through
the same ticket service the workstations use."""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import Any

from infra.logs import get_logger

log = get_logger()

SUBJECTS = {
    "complaint": ["Смеће није одвезено", "Оштећен коловоз", "Бука са градилишта"],
    "request": ["Орезивање стабла", "Замена сијалице јавне расвете", "Одгушење канализације"],
    "suggestion": ["Нова аутобуска линија", "Клупе у парку"],
    "information": ["Радно време матичне службе", "Цена паркинг карте"],
}


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
    ) -> None:
        self.tickets, self.publisher = tickets, publisher
        self.departments = departments
        self.rng = rng
        self.transfer_share, self.email_share = transfer_share, email_share
        self._tasks: set[asyncio.Task[Any]] = set()
        self._staff: asyncio.Task[None] | None = None
        self.errors = 0

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

    async def settle(self, timeout: float = 20.0) -> None:
        """Wait until every answered call's ticket is written and handled."""
        from tickets.domain import Actor

        sup = Actor("supervisor", "supervisor")
        for _ in range(int(timeout / 0.25)):
            open_ = [
                t
                for s in ("forwarded", "active")
                for t in await self.tickets.search(sup, status=s, limit=500)
            ]
            if not self._tasks and not open_:
                return
            await asyncio.sleep(0.25)

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
        try:
            r = self.rng.random()
            if kind == "information" and r < 0.7:
                await self.tickets.open_ticket(actor, resolve_now=True, **fields)
            elif r < self.transfer_share and ev.get("channel"):
                await self.tickets.open_and_transfer(
                    actor, department=department, channel_name=ev["channel"], **fields
                )
            else:
                await self.tickets.open_ticket(actor, department=department, **fields)
        except Exception as e:
            self.errors += 1
            log.warning("demo.operator_failed", error=str(e), agent=agent)

    async def _department_staff(self) -> None:
        from tickets.domain import Actor

        sup = Actor("supervisor", "supervisor")
        while True:
            await asyncio.sleep(0.5)
            for t in await self.tickets.search(sup, status="forwarded", limit=100):
                staff = Actor(f"staff-{t['department']}", "department", t["department"])
                try:
                    await self.tickets.change_status(
                        staff, t["number"], "active", "Преузето у служби."
                    )
                    outcome = "resolved" if self.rng.random() < 0.8 else "cancelled"
                    await self.tickets.change_status(
                        staff,
                        t["number"],
                        outcome,
                        "Решено на терену." if outcome == "resolved" else "Није у надлежности.",
                    )
                except Exception as e:
                    self.errors += 1
                    log.warning("demo.staff_failed", error=str(e), ticket=t["number"])


class MailSink:
    """A real local SMTP server (aiosmtpd) that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
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
                return "250 OK"

        self.port = free_tcp_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return True

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
