"""How a ticket change is written: one transaction holding the ticket, its
append-only history rows, the outbox rows (MQTT) and, for the statuses that
notify the citizen, the notification jobs."""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from infra.outbox import OutboxRow
from tickets.change_rows import ChangeRows, Escalation, change_rows, publish_rows
from tickets.convert import payload, ticket_dict
from tickets.domain import Actor, Ticket
from tickets.followup import Overdue
from tickets.sla import SlaPolicy
from tickets.store import TicketRepository, history_values, ticket_values

_OUTBOX = insert(OutboxRow.__table__)


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

    async def create(self, t: Ticket, year: int) -> None:
        """Write the new ticket ``t``, numbered ``pending_number()`` so far.
        Its rows are built first; the write transaction only draws the number
        and runs the statements."""
        self.clock_events(t)
        values, rows = ticket_values(t), self.rows(t)
        async with self.writing() as s:
            repo = TicketRepository(s)
            number = await repo.next_number(year)
            rows.numbered(t.number, number)
            t.number = number
            await repo.add(t, values)
            await self.write(repo, t, rows)
        self.committed()

    async def step(self, actor: Actor, number: str,
                   step: Callable[[Ticket, datetime], Any]) -> dict[str, Any]:
        """Load the ticket for update, let ``step`` change it, write it all.
        The rows are built inside the transaction: they are of the ticket as
        read there, under its lock (a few tens of microseconds)."""
        number = str(number).strip().upper()
        at = self.clock()
        async with self.writing() as s:
            repo = TicketRepository(s)
            t = await repo.get(number, for_update=True)
            t.check_visible(actor)
            step(t, at)
            self.clock_events(t)
            rows = self.rows(t)
            await repo.save(t)
            await self.write(repo, t, rows)
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
            await repo.add_reporters(surv, [
                {"from_number": r.from_number, "phone": r.phone, "citizen_name": r.citizen_name,
                 "email": r.email, "language": r.language, "added_at": at}
                for r in await repo.reporters(dup)])
            await self.write(repo, dup, self.rows(dup))
            await self.write(repo, surv, self.rows(surv))
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
            rows = ChangeRows()
            event_id = publish_rows(rows.outbox, t, body)
            rows.history.append(history_values(
                at=at, actor=actor.user_id, role=str(actor.role), action=action,
                old=t.status.value, new=t.status.value,
                comment=str(details.get("message") or ""), details=details, event_id=event_id))
            await self.write(repo, t, rows)
        self.committed()

    def rows(self, t: Ticket) -> ChangeRows:
        """The rows of the ticket's new domain events (no I/O)."""
        return change_rows(t, notify_on=self.notify_on,
                           escalate=bool(self.escalate_to) and _have_notify())

    async def write(self, repo: TicketRepository, t: Ticket, rows: ChangeRows) -> None:
        """Run a change's statements: the history and the outbox rows go in
        one multi-row INSERT each (Core, no unit of work), then the
        notification jobs, in event order."""
        await repo.link_calls(t, rows.calls)
        if rows.merged_into is not None:
            await repo.set_merged_into(t, rows.merged_into)
        await repo.add_reporters(t, rows.reporters)
        await repo.add_history(t, rows.history)
        if rows.outbox:
            await repo.session.execute(_OUTBOX, rows.outbox)
        for then in rows.after:
            if isinstance(then, Escalation):
                await self._escalate(repo, t, then.event_id, then.event)
            else:
                await self._enqueue_notification(repo, t, then.event_id, then.status,
                                                 then.told)

    def committed(self) -> None:
        if self.on_commit is not None:
            self.on_commit()

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
