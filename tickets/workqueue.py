"""The work queue: a department's (or anyone's) tickets a page at a time,
open work first, so nothing open ever drops out of the default view.

``queue_query`` builds the rows and the count of one page from the same
conditions.  Sorts: ``queue`` (open first, oldest open at the top, then the
rest newest first), ``newest``, ``oldest``, ``updated`` (last touched first).
``q`` is one search box: a ticket number (``NS-2026-000012``), a phone
number (normalized to E.164) or words (every word as a prefix of the
subject or description, or part of the citizen's name).  ``overdue``
keeps the tickets past a deadline (``overdue_condition``): marked by the
overdue job (``kontakt.overdue``) and still not done, or running past a due
time the job has not marked yet.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, column, func, or_, select, table

from tickets import domain as d
from tickets.domain import InvalidTicket, Status
from tickets.search import text_condition
from tickets.store import TicketRow

OPEN = (Status.new.value, Status.forwarded.value, Status.active.value)
DONE = tuple(s.value for s in Status if s.value not in OPEN)
# ``state`` groups statuses: open work, or done (resolved, cancelled, closed).
STATES = {"open": OPEN, "done": DONE}
SORTS = ("queue", "newest", "oldest", "updated")
_NUMBER = re.compile(r"^\s*(NS-\d{4}-\d{1,})\s*$", re.IGNORECASE)
_FTS = table("tickets_fts", column("rowid"))
_PHONE = re.compile(r"^\s*\+?[\d\s/()-]{6,}\s*$")
# The deadline clock runs in these (tickets.sla.RUNNING); a marked ticket
# stays overdue until it is done.
RUNNING = (Status.forwarded.value, Status.active.value)
NOT_DONE = (*OPEN, Status.waiting.value, Status.returned.value)


def _search(dialect: str, q: str) -> Any:
    m = _NUMBER.match(q)
    if m:
        return TicketRow.number == m.group(1).upper()
    if _PHONE.match(q):
        try:
            return TicketRow.phone == d.normalize_phone(q)
        except InvalidTicket:
            pass  # not a phone after all: search it as words
    words = re.findall(r"\w+", q.lower(), re.UNICODE)[:8]
    if not words:
        return None
    by_name = and_(*[_name_has(dialect, w) for w in words])
    text = text_condition(dialect, q)
    if text is None:
        return by_name
    if dialect == "sqlite":  # the FTS5 table is joined on rowid = tickets.id
        text = TicketRow.id.in_(select(_FTS.c.rowid).where(text))
    return or_(text, by_name)


def _name_has(dialect: str, word: str) -> Any:
    col = TicketRow.citizen_name
    if dialect == "postgresql":
        return col.ilike(f"%{word}%")
    # SQLite folds ASCII case only: "марко" also as "Марко" and "МАРКО".
    return or_(*[col.like(f"%{w}%") for w in {word, word.capitalize(), word.upper()}])


def _order(sort: str) -> tuple[Any, ...]:
    newest = (TicketRow.created_at.desc(), TicketRow.id.desc())
    if sort == "newest":
        return newest
    if sort == "oldest":
        return TicketRow.created_at.asc(), TicketRow.id.asc()
    if sort == "updated":
        return TicketRow.updated_at.desc(), TicketRow.id.desc()
    is_open = TicketRow.status.in_(OPEN)
    return (case((is_open, 0), else_=1),
            case((is_open, TicketRow.created_at), else_=None).asc(), *newest)


def overdue_condition(now: datetime) -> Any:
    """Past a deadline at ``now`` (as ``tickets.sla.missed``, or marked)."""
    marked = and_(TicketRow.overdue.is_not(None), TicketRow.status.in_(NOT_DONE))
    late = and_(TicketRow.status.in_(RUNNING), TicketRow.sla_resolution_s.is_not(None), or_(
        TicketRow.due_at <= now,
        and_(TicketRow.sla_responded_at.is_(None), TicketRow.sla_response_due_at <= now)))
    return or_(marked, late)


def queue_query(dialect: str, *, department: str | None = None, status: str | None = None,
                state: str | None = None, kind: str | None = None,
                assignee: str | None = None, opened_by: str | None = None,
                channel: str | None = None, q: str | None = None,
                since: datetime | None = None, until: datetime | None = None,
                overdue_at: datetime | None = None,
                sort: str = "queue", offset: int = 0, limit: int = 50) -> tuple[Any, Any]:
    """(rows of one page, total count) for the given filters; ``overdue_at``
    (now) keeps the tickets past a deadline then."""
    if sort not in SORTS:
        raise InvalidTicket(f"sort {sort!r}: use one of {', '.join(SORTS)}", field="sort",
                            value=sort)
    if state is not None and state not in STATES:
        raise InvalidTicket(f"state {state!r}: use one of {', '.join(STATES)}", field="state",
                            value=state)
    conds: list[Any] = []
    for col, value in ((TicketRow.department, department), (TicketRow.status, status),
                       (TicketRow.kind, kind), (TicketRow.assignee, assignee),
                       (TicketRow.opened_by, opened_by), (TicketRow.channel, channel)):
        if value is not None:
            conds.append(col == value)
    if state is not None:
        conds.append(TicketRow.status.in_(STATES[state]))
    if since is not None:
        conds.append(TicketRow.created_at >= since)
    if until is not None:
        conds.append(TicketRow.created_at < until)
    if overdue_at is not None:
        conds.append(overdue_condition(overdue_at))
    found = _search(dialect, q) if q and q.strip() else None
    if found is not None:
        conds.append(found)
    where = and_(*conds) if conds else None
    rows = select(TicketRow)
    count = select(func.count()).select_from(TicketRow)
    if where is not None:
        rows, count = rows.where(where), count.where(where)
    rows = rows.order_by(*_order(sort)).offset(max(0, offset)).limit(max(1, min(limit, 200)))
    return rows, count
