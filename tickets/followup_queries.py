"""Read-only queries of the follow-through: tickets past a deadline not yet
marked, the figures the wallboard and the reports show (overdue, returned,
merged, returns per department), and open tickets that look like the same
problem as a new one (``tickets.similar``)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tickets.domain import Status
from tickets.similar import Candidate, rank
from tickets.store import HistoryRow, TicketRow, to_domain

RUNNING = (Status.forwarded.value, Status.active.value)
OPEN = (Status.new.value, Status.forwarded.value, Status.active.value, Status.waiting.value,
        Status.returned.value)


async def due_numbers(s: AsyncSession, now: datetime, limit: int = 200) -> list[str]:
    """Running tickets past a deadline they are not yet marked overdue for."""
    response_late = and_(TicketRow.overdue.is_(None), TicketRow.sla_responded_at.is_(None),
                         TicketRow.sla_response_due_at <= now)
    resolution_late = and_(or_(TicketRow.overdue.is_(None), TicketRow.overdue == "response"),
                           TicketRow.due_at <= now)
    q = (select(TicketRow.number).where(TicketRow.status.in_(RUNNING))
         .where(or_(response_late, resolution_late)).order_by(TicketRow.id).limit(limit))
    return list((await s.scalars(q)).all())


async def figures(s: AsyncSession, since: datetime,
                  until: datetime | None = None) -> dict[str, Any]:
    """Overdue (open and marked), returned (waiting in the contact center's
    queue), merged, and per department the returns and overdue markings
    from ``since`` (until ``until``)."""
    overdue_open = await s.scalar(select(func.count()).select_from(TicketRow).where(
        TicketRow.overdue.is_not(None), TicketRow.status.in_(OPEN)))
    returned_now = await s.scalar(select(func.count()).select_from(TicketRow).where(
        TicketRow.status == Status.returned.value))
    merged = await s.scalar(select(func.count()).select_from(TicketRow).where(
        TicketRow.status == Status.merged.value))
    q = (select(HistoryRow.action, HistoryRow.details, TicketRow.department)
         .join(TicketRow, TicketRow.id == HistoryRow.ticket_id)
         .where(HistoryRow.at >= since, HistoryRow.action.in_(("returned", "overdue"))))
    if until is not None:
        q = q.where(HistoryRow.at < until)
    rows = (await s.execute(q)).all()
    per: dict[str, dict[str, int]] = {}
    for action, details, dep in rows:
        if action == "returned":
            try:
                dep = json.loads(details or "{}").get("from_department")
            except ValueError:
                dep = None
        b = per.setdefault(dep or "-", {"returned": 0, "overdue": 0})
        b[action] += 1
    return {"overdue_open": int(overdue_open or 0), "returned_waiting": int(returned_now or 0),
            "merged": int(merged or 0), "by_department": per}


async def totals(s: AsyncSession) -> dict[str, int]:
    """For the demo summary: tickets ever marked overdue, returned, merged."""
    overdue = await s.scalar(select(func.count(func.distinct(HistoryRow.ticket_id)))
                             .where(HistoryRow.action == "overdue"))
    returned = await s.scalar(select(func.count(func.distinct(HistoryRow.ticket_id)))
                              .where(HistoryRow.action == "returned"))
    merged = await s.scalar(select(func.count()).select_from(TicketRow)
                            .where(TicketRow.status == Status.merged.value))
    return {"overdue": int(overdue or 0), "returned": int(returned or 0),
            "merged": int(merged or 0)}


async def look_alikes(s: AsyncSession, *, department: str, kind: str, subject: str,
                      description: str, address: str | None, now: datetime,
                      days: int = 30, limit: int = 5) -> list[tuple[float, Any]]:
    """Open tickets of the same department and kind of the last ``days``
    days, ranked by ``tickets.similar.rank``: (score, ticket)."""
    rows = (await s.scalars(
        select(TicketRow).where(TicketRow.department == department, TicketRow.kind == kind,
                                TicketRow.status.in_(OPEN),
                                TicketRow.created_at >= now - timedelta(days=days))
        .order_by(TicketRow.id.desc()).limit(300))).all()
    new = Candidate("", subject, description, address)
    found = rank(new, [Candidate(r.number, r.subject, r.description or "", r.address)
                       for r in rows], limit=limit)
    by_number = {r.number: r for r in rows}
    return [(score, to_domain(by_number[c.number])) for score, c in found]


async def survivor(s: AsyncSession, number: str, hops: int = 10) -> str:
    """The ticket a report about ``number`` belongs in: ``number`` itself,
    or, when it was merged meanwhile, the ticket it went into (followed as
    far as it goes; at most ``hops``, a guard against a loop)."""
    for _ in range(hops):
        row = (await s.execute(select(TicketRow.status, TicketRow.merged_into)
                               .where(TicketRow.number == number))).first()
        if row is None or row.status != Status.merged.value or not row.merged_into:
            break
        number = row.merged_into
    return number
