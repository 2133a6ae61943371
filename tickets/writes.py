"""How a ticket change is written: one transaction holding the ticket, its
append-only history rows, the outbox rows (MQTT) and, for the statuses that
notify the citizen, the notification jobs."""

from __future__ import annotations

import contextlib
import importlib.util
import json
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from infra.outbox import OutboxRow, add_event, outbox_row
from tickets import domain as d
from tickets.convert import describe, payload, ticket_dict
from tickets.domain import Actor, Ticket
from tickets.followup import Absorbed, Merged, Overdue, Returned
from tickets.sla import SlaPolicy
from tickets.store import HistoryRow, TicketRepository


def _have_notify() -> bool:
    try:
        return importlib.util.find_spec("tickets.notify.jobs") is not None
    except ModuleNotFoundError:
        return False


class TicketWriter:
    def __init__(self, sessionmaker: Any, *, clock: Callable[[], datetime],
                 notify_on: Iterable[str], on_commit: Callable[[], None] | None,
                 sla: SlaPolicy | None = None,
                 present: Callable[[Ticket], dict[str, Any]] = ticket_dict,
                 escalate_to: str | None = None) -> None:
        self.sessionmaker = sessionmaker
        self.escalate_to = escalate_to  # the supervisors' e-mail for overdue tickets
        self.sla, self.present = sla, present
        self.clock = clock
        self.notify_on = tuple(notify_on)
        # e.g. OutboxPublisher.notify: deliver right after the commit.
        self.on_commit = on_commit

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[Any]:
        """A write transaction (on SQLite, writers of this process take turns
        at infra.db's writer gate)."""
        async with self.sessionmaker() as s, s.begin():
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
            self.clock_events(t)
            await repo.save(t)
            await self.record(repo, t)
        self.committed()
        return self.present(t)

    async def merge(self, actor: Actor, duplicate: str, survivor: str,
                    step: Callable[[Ticket, Ticket, datetime], Any]) -> dict[str, Any]:
        """Both tickets in one transaction (locked in number order); the
        survivor takes the duplicate's reporters too."""
        at = self.clock()
        async with self.writing() as s:
            repo = TicketRepository(s)
            got = {n: await repo.get(n, for_update=True) for n in sorted({duplicate, survivor})}
            dup, surv = got[duplicate], got[survivor]
            step(dup, surv, at)
            for t in (dup, surv):
                self.clock_events(t)
                await repo.save(t)
            for r in await repo.reporters(dup):
                repo.add_reporter(surv, r.from_number, r.phone, r.citizen_name, r.email,
                                  r.language, at)
            await self.record(repo, dup)
            await self.record(repo, surv)
        self.committed()
        return self.present(surv)

    def clock_events(self, t: Ticket) -> None:
        """Move the deadline clock for the ticket's new events (before saving)."""
        if self.sla is not None:
            self.sla.apply(t, t.events)

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
            elif isinstance(ev, Merged):
                repo.row_of(t).merged_into = ev.into
            elif isinstance(ev, Absorbed):
                repo.add_reporter(t, ev.duplicate, *ev.reporter, at=ev.at)
            body = payload(t, f"ticket.{action}", ev.actor, ev.role, ev.at, old_status=old,
                           comment=comment, details=extra)
            if isinstance(ev, Returned):  # the returning department follows it too
                body["details"] = {**extra, "department": ev.department}
            event_id = self._publish_rows(outbox, t, body, escalate=isinstance(ev, Overdue))
            history.append({"ticket_id": repo.row_of(t).id, "at": ev.at, "actor": ev.actor,
                            "role": ev.role, "action": action, "old_status": old,
                            "new_status": new, "comment": comment or "",
                            "details": json.dumps(extra or {}, ensure_ascii=False, default=str),
                            "event_id": event_id})
            if isinstance(ev, Overdue) and self.escalate_to and _have_notify():
                await self._escalate(repo, t, event_id, ev)
            if new is not None and new != old and new in self.notify_on:
                # Only a comment written for the citizen is sent to the citizen.
                told = comment if extra.get("for_citizen") else ""
                await self._enqueue_notification(repo, t, event_id, new, told)
        if history:
            await repo.session.execute(insert(HistoryRow.__table__), history)
        if outbox:
            await repo.session.execute(insert(OutboxRow.__table__), outbox)

    def committed(self) -> None:
        if self.on_commit is not None:
            self.on_commit()

    def _publish(self, session: Any, t: Ticket, body: dict[str, Any],
                 escalate: bool = False) -> str:
        # One fact, two topics: the department's and the opener's (the
        # operator follows the tickets they opened).  Same event_id on both.
        # An overdue ticket also goes to the supervisors' escalations.
        event_id = add_event(session, f"tickets/{t.department or '-'}/{t.number}", body)
        add_event(session, f"users/{t.opened_by}/tickets/{t.number}",
                  {**body, "event_id": event_id})
        if escalate:
            add_event(session, f"escalations/{t.department or '-'}/{t.number}",
                      {**body, "event_id": event_id})
        return event_id

    def _publish_rows(self, rows: list[dict[str, Any]], t: Ticket, body: dict[str, Any], *,
                      escalate: bool = False) -> str:
        """``_publish`` as outbox row values, for one INSERT of a change's rows."""
        first = outbox_row(f"tickets/{t.department or '-'}/{t.number}", body)
        event_id = str(first["event_id"])
        rows += [first, outbox_row(f"users/{t.opened_by}/tickets/{t.number}",
                                   {**body, "event_id": event_id})]
        if escalate:
            rows.append(outbox_row(f"escalations/{t.department or '-'}/{t.number}",
                                   {**body, "event_id": event_id}))
        return event_id

    async def _escalate(self, repo: TicketRepository, t: Ticket, event_id: str,
                        ev: Overdue) -> None:
        from tickets.notify.jobs import enqueue_escalation

        what = "одговор" if ev.deadline == "response" else "решавање"
        due = ev.due_at.isoformat(timespec="minutes")
        await enqueue_escalation(
            repo.session, ticket_number=t.number, event_id=event_id, email=self.escalate_to or "",
            subject=f"Рок прекорачен: {t.number} ({t.department or '-'})",
            text=(f"Тикет {t.number} ({t.subject}) у служби {t.department or '-'} је прекорачио "
                  f"рок за {what} ({due} UTC).\nTicket {t.number} is past its {ev.deadline} "
                  f"deadline ({due} UTC)."))

    async def _enqueue_notification(self, repo: TicketRepository, t: Ticket, event_id: str,
                                    status: str, outcome: str) -> None:
        """Hook for citizen notifications (tickets/notify), same transaction."""
        if not _have_notify():
            return
        from tickets.notify.jobs import already_told, enqueue

        if not outcome and await already_told(repo.session, t.number, status):
            return  # reopened and resolved again: the citizen knows already
        await enqueue(repo.session, ticket_number=t.number, event_id=event_id, status=status,
                      language=t.language, phone=t.phone, email=t.email,
                      outcome=outcome or None, notify_on=self.notify_on)
        # Every citizen who reported the same problem (merged duplicates).
        for r in await repo.reporters(t):
            await enqueue(repo.session, ticket_number=t.number, event_id=f"{event_id}:r{r.id}",
                          status=status, language=r.language, phone=r.phone, email=r.email,
                          outcome=outcome or None, notify_on=self.notify_on)
