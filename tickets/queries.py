"""The ticket queries: read-only, one session each, visibility checked by the
domain (department staff see their department, the web channel web requests)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text as sql_text

from tickets import domain as d
from tickets import followup_queries as fq
from tickets.convert import as_actor, ticket_dict, when
from tickets.domain import Actor, Forbidden, Role
from tickets.search import RECENT, search_query, text_words
from tickets.sla import SlaPolicy, missed
from tickets.store import TicketRepository, count_by_department, to_domain, totals


class TicketQueries:
    sla: SlaPolicy | None = None  # set by the service: each ticket shows its deadline
    clock: Callable[[], datetime] = staticmethod(lambda: datetime.now(UTC))  # type: ignore[assignment]

    def __init__(self, sessionmaker: Any) -> None:
        self.sessionmaker = sessionmaker

    def present(self, t: d.Ticket) -> dict[str, Any]:
        if self.sla is None:
            return ticket_dict(t)
        return ticket_dict(t, self.sla.view(t, self.clock()))

    async def get(self, actor: Actor, number: str) -> dict[str, Any]:
        actor = as_actor(actor)
        async with self.sessionmaker() as s:
            t = await TicketRepository(s).get(str(number).strip().upper())
        t.check_visible(actor)
        return self.present(t)

    async def history(self, actor: Actor, number: str) -> list[dict[str, Any]]:
        actor = as_actor(actor)
        number = str(number).strip().upper()
        async with self.sessionmaker() as s:
            repo = TicketRepository(s)
            t = await repo.get(number)
            t.check_visible(actor)
            return await repo.history(number)

    async def search(self, actor: Actor, *, number: str | None = None,
                     phone: str | None = None, department: str | None = None,
                     kind: str | None = None, status: str | None = None,
                     since: datetime | str | None = None, until: datetime | str | None = None,
                     text: str | None = None, limit: int = 50,
                     caller: str | None = None, opened_by: str | None = None,
                     assignee: str | None = None, channel: str | None = None
                     ) -> list[dict[str, Any]]:
        """Newest first.  Department staff see only their department; the web
        channel only web requests.  ``phone`` is normalized to E.164, so the
        caller ID of an incoming call finds the citizen's earlier tickets."""
        actor = as_actor(actor)
        if actor.role is Role.department:
            if department not in (None, actor.department):
                raise Forbidden("department staff search their own department",
                                department=department)
            department = actor.department
        if actor.role is Role.citizen:
            channel = "web"
        phone = d.normalize_phone(phone if phone is not None else caller)
        if kind is not None:
            kind = d.parse_enum(d.Kind, kind, "kind").value
        if status is not None:
            status = d.parse_enum(d.Status, status, "status").value
        limit = max(1, min(int(limit or 50), 500))
        async with self.sessionmaker() as s:
            dialect = s.bind.dialect.name
            args: dict[str, Any] = dict(
                number=number.strip().upper() if number else None, phone=phone,
                department=department, kind=kind, status=status, since=when(since, "since"),
                until=when(until, "until"), text_q=text, opened_by=opened_by,
                assignee=assignee, channel=channel, limit=limit)
            # With text, a cheap first step: PostgreSQL reads the newest
            # tickets, SQLite the words as written (whole words rank before
            # words they begin); the full search only when that found too few.
            two_steps = bool(text and text_words(text))
            pg = dialect == "postgresql"
            if two_steps and pg:
                # asyncpg prepares statements; from the sixth run PostgreSQL
                # may reuse a generic plan, blind to the words and the window,
                # and the newest-first step went from 1.5 to 15-28 ms.
                await s.execute(sql_text("SET LOCAL plan_cache_mode = force_custom_plan"))
            q = search_query(dialect, **args, recent=RECENT if two_steps and pg else None,
                             whole_words=two_steps and not pg)
            rows = (await s.scalars(q)).all()
            if two_steps and len(rows) < limit:
                rows = (await s.scalars(search_query(dialect, **args))).all()
        return [self.present(to_domain(r)) for r in rows]

    async def counts(self) -> dict[str, dict[str, int]]:
        """Tickets per department and status: ``{department: {status: n}}``."""
        async with self.sessionmaker() as s:
            return await count_by_department(s)

    async def totals(self) -> dict[str, int]:
        """For the demo summary: ``{"opened", "transferred", "resolved"}``."""
        async with self.sessionmaker() as s:
            return await totals(s)

    async def work_queue(self, actor: Actor, *, department: str | None = None,
                         status: str | None = None, state: str | None = None,
                         kind: str | None = None, assignee: str | None = None,
                         opened_by: str | None = None, q: str | None = None,
                         since: datetime | str | None = None,
                         until: datetime | str | None = None, sort: str = "queue",
                         overdue: bool = False, offset: int = 0,
                         limit: int = 50) -> dict[str, Any]:
        """One page of tickets and how many match: ``{"tickets", "total"}``
        (``tickets.workqueue``); department staff see their department only;
        ``overdue``: only the tickets past a deadline now.  Each row shows its
        deadline, ``overdue`` also when the job has not marked it yet."""
        from tickets.workqueue import queue_query

        actor = as_actor(actor)
        channel = None
        if actor.role is Role.department:
            if department not in (None, actor.department):
                raise Forbidden("department staff search their own department",
                                department=department)
            department = actor.department
        if actor.role is Role.citizen:
            channel = "web"
        if kind is not None:
            kind = d.parse_enum(d.Kind, kind, "kind").value
        if status is not None:
            status = d.parse_enum(d.Status, status, "status").value
        now = self.clock()
        async with self.sessionmaker() as s:
            rows_q, count_q = queue_query(
                s.bind.dialect.name, department=department, status=status, state=state,
                kind=kind, assignee=assignee, opened_by=opened_by, channel=channel, q=q,
                since=when(since, "since"), until=when(until, "until"), sort=sort,
                overdue_at=now if overdue else None,
                offset=int(offset or 0), limit=int(limit or 50))
            rows = (await s.scalars(rows_q)).all()
            total = int(await s.scalar(count_q) or 0)
        return {"tickets": [self._queue_row(to_domain(r), now) for r in rows], "total": total}

    def _queue_row(self, t: d.Ticket, now: datetime) -> dict[str, Any]:
        out = self.present(t)
        if missed(t, now) is not None:  # late, not yet marked by the overdue job
            out["deadline"] = {**out["deadline"], "overdue": True}
        return out
    # -- the follow-through (tickets.followup_queries) ---------------------------

    async def due_numbers(self, now: datetime) -> list[str]:
        async with self.sessionmaker() as s:
            return await fq.due_numbers(s, now)

    async def followup(self, since: datetime) -> dict[str, Any]:
        """Overdue, returned, merged, and returns and overdue per department."""
        async with self.sessionmaker() as s:
            return await fq.figures(s, since)

    async def followup_totals(self) -> dict[str, int]:
        async with self.sessionmaker() as s:
            return await fq.totals(s)

    async def survivor(self, number: str) -> str:
        """``number``, or the ticket it was merged into (``fq.survivor``)."""
        async with self.sessionmaker() as s:
            return await fq.survivor(s, str(number).strip().upper())

    async def look_alikes(self, actor: Actor, *, department: str, kind: str, subject: str = "",
                          description: str = "", address: str | None = None
                          ) -> list[dict[str, Any]]:
        """Open tickets that look like the same problem (``tickets.similar``),
        best first, each with its ``similarity``."""
        actor = as_actor(actor)
        if actor.role not in (Role.agent, Role.supervisor, Role.admin):
            raise Forbidden(f"role {actor.role} may not look for duplicates",
                            role=str(actor.role))
        kind = d.parse_enum(d.Kind, kind, "kind").value
        async with self.sessionmaker() as s:
            found = await fq.look_alikes(s, department=department, kind=kind, subject=subject,
                                         description=description, address=address,
                                         now=self.clock())
        return [{**self.present(t), "similarity": score} for score, t in found]
