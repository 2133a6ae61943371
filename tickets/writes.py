"""How a ticket change is written: one transaction holding the ticket, its
append-only history rows, the outbox rows (MQTT) and, for the statuses that
notify the citizen, the notification jobs."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from infra.outbox import OutboxRow, add_event, outbox_row
from tickets import domain as d
from tickets.convert import describe, payload, ticket_dict
from tickets.domain import Actor, Ticket
from tickets.store import TicketRepository


def _have_notify() -> bool:
    try:
        return importlib.util.find_spec("tickets.notify.jobs") is not None
    except ModuleNotFoundError:
        return False


class TicketWriter:
    def __init__(self, sessionmaker: Any, *, clock: Callable[[], datetime],
                 notify_on: Iterable[str], on_commit: Callable[[], None] | None) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.notify_on = tuple(notify_on)
        # e.g. OutboxPublisher.notify: deliver right after the commit.
        self.on_commit = on_commit
        bind = getattr(sessionmaker, "kw", {}).get("bind")
        dialect = bind.dialect.name if bind is not None else "sqlite"
        self._write_lock = asyncio.Lock() if dialect == "sqlite" else None

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[Any]:
        """A write transaction.  On SQLite, writers of this process take turns
        on an asyncio lock first: SQLite runs one writer at a time anyway, and
        queueing here beats its busy handler's sleep-and-retry (other
        processes still wait on ``busy_timeout``)."""
        lock = self._write_lock or contextlib.nullcontext()
        async with lock, self.sessionmaker() as s, s.begin():
            yield s

    async def step(self, actor: Actor, number: str,
                   step: Callable[[Ticket, datetime], Any]) -> dict[str, Any]:
        """Load the ticket for update, let ``step`` change it, write it all."""
        number = str(number).strip().upper()
        at = self.clock()
        async with self.writing() as s:
            repo = TicketRepository(s)
            t = await repo.get(number, for_update=True)
            t.check_visible(actor)
            step(t, at)
            await repo.save(t)
            await self.record(repo, t)
        self.committed()
        return ticket_dict(t)

    async def note(self, actor: Actor, number: str, action: str,
                   details: dict[str, Any]) -> None:
        """A history row + outbox event that changes nothing on the ticket
        (transfer outcome)."""
        at = self.clock()
        async with self.writing() as s:
            repo = TicketRepository(s)
            t = await repo.get(number)
            body = payload(t, f"ticket.{action}", actor.user_id, str(actor.role), at,
                           details=details)
            event_id = self._publish(s, t, body)
            repo.append_history(t, at=at, actor=actor.user_id, role=str(actor.role),
                                action=action, old=t.status.value, new=t.status.value,
                                comment=str(details.get("message") or ""), details=details,
                                event_id=event_id)
        self.committed()

    async def record(self, repo: TicketRepository, t: Ticket) -> None:
        """The ticket's new domain events as history, outbox and notification
        rows: the history and the outbox rows of a change go in one multi-row
        INSERT each (no ORM object per row)."""
        history: list[dict[str, Any]] = []
        outbox: list[dict[str, Any]] = []
        for ev in t.pop_events():
            action, old, new, comment, extra = describe(ev)
            if isinstance(ev, d.CallLinked):
                await repo.link_call(t, ev.call)
            body = payload(t, f"ticket.{action}", ev.actor, ev.role, ev.at, old_status=old,
                           comment=comment, details=extra)
            event_id = self._publish_rows(outbox, t, body)
            history.append(repo.history_values(
                t, at=ev.at, actor=ev.actor, role=ev.role, action=action, old=old, new=new,
                comment=comment, details=extra, event_id=event_id))
            if new is not None and new != old and new in self.notify_on:
                await self._enqueue_notification(repo, t, event_id, new, comment)
        await repo.insert_history(history)
        if outbox:
            await repo.session.execute(insert(OutboxRow.__table__), outbox)

    def committed(self) -> None:
        if self.on_commit is not None:
            self.on_commit()

    def _publish(self, session: Any, t: Ticket, body: dict[str, Any]) -> str:
        # One fact, two topics: the department's and the opener's (the
        # operator follows the tickets they opened).  Same event_id on both.
        event_id = add_event(session, f"tickets/{t.department or '-'}/{t.number}", body)
        add_event(session, f"users/{t.opened_by}/tickets/{t.number}",
                  {**body, "event_id": event_id})
        return event_id

    def _publish_rows(self, rows: list[dict[str, Any]], t: Ticket, body: dict[str, Any]) -> str:
        """``_publish`` as outbox row values, for one INSERT of a change's rows."""
        first = outbox_row(f"tickets/{t.department or '-'}/{t.number}", body)
        event_id = str(first["event_id"])
        rows += [first, outbox_row(f"users/{t.opened_by}/tickets/{t.number}",
                                   {**body, "event_id": event_id})]
        return event_id

    async def _enqueue_notification(self, repo: TicketRepository, t: Ticket, event_id: str,
                                    status: str, outcome: str) -> None:
        """Hook for citizen notifications (tickets/notify), same transaction."""
        if not _have_notify():
            return
        from tickets.notify.jobs import enqueue

        await enqueue(repo.session, ticket_number=t.number, event_id=event_id, status=status,
                      language=t.language, phone=t.phone, email=t.email,
                      outcome=outcome or None, notify_on=self.notify_on)
