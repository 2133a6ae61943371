"""Removing a citizen's personal data from the database, in one
transaction per batch; used by the retention job and by an erasure the
administrator carries out on a citizen's request.

What goes: on the ticket the phone, name, e-mail, address and coordinates
and the description (the citizen's own words, or the operator's notes about
the call); the comments of its history; the recipient and text of the
notifications sent about it; the caller's number in the call events of the
calls linked to it.  What stays: the ticket's number, kind, subject,
department, status and dates (the city's statistics), who handled it and
when, and a history entry ``anonymised`` saying why.  The tables this
touches are named here with their columns only (no ORM models), so the
ticket store's own rules stay untouched.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, bindparam, column, insert, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession

from tickets.domain import normalize_phone
from tickets.fold import search_text

TS = DateTime(timezone=True)  # the same type the models use, so SQLite compares alike
TICKETS = table("tickets", column("id"), column("number"), column("phone"),
                column("citizen_name"), column("email"), column("address"), column("lat"),
                column("lon"), column("description"), column("status"),
                column("updated_at", TS), column("anonymised_at", TS), column("channel"),
                column("subject"), column("search_text"))
HISTORY = table("ticket_history", column("ticket_id"), column("at", TS), column("actor"),
                column("role"), column("action"), column("old_status"), column("new_status"),
                column("comment"), column("details"), column("event_id"))
NOTIFICATIONS = table("notifications", column("id"), column("ticket_number"),
                      column("recipient"), column("text"), column("subject"),
                      column("status"))
CALLS = table("ticket_calls", column("ticket_id"), column("uniqueid"))
EVENTS = table("call_events", column("id"), column("uniqueid"), column("ts", TS),
               column("payload"))
REPORTERS = table("ticket_reporters", column("ticket_id"), column("phone"),
                  column("citizen_name"), column("email"))
FINAL = ("resolved", "cancelled", "closed", "merged")
CALLER_KEYS = ("caller", "callerid", "caller_name")


async def anonymise_tickets(s: AsyncSession, ids: Sequence[int], *, at: datetime, actor: str,
                            role: str, why: str) -> list[str]:
    """Anonymise the tickets with these ids; returns their numbers."""
    if not ids:
        return []
    rows = (await s.execute(select(TICKETS.c.id, TICKETS.c.number, TICKETS.c.status,
                                   TICKETS.c.subject).where(TICKETS.c.id.in_(ids)))).all()
    numbers = [r.number for r in rows]
    await s.execute(update(TICKETS).where(TICKETS.c.id.in_(ids)).values(
        phone=None, citizen_name=None, email=None, address=None, lat=None, lon=None,
        description="", anonymised_at=at))
    # The full text index forgets the description's words too (tickets.fold).
    await s.execute(update(TICKETS).where(TICKETS.c.id == bindparam("tid"))
                    .values(search_text=bindparam("folded")),
                    [{"tid": r.id, "folded": search_text(r.subject or "", "")} for r in rows])
    await s.execute(update(HISTORY).where(HISTORY.c.ticket_id.in_(ids))
                    .where(HISTORY.c.comment != "").values(comment=""))
    await s.execute(update(REPORTERS).where(REPORTERS.c.ticket_id.in_(ids))
                    .values(phone=None, citizen_name=None, email=None))
    await s.execute(update(NOTIFICATIONS).where(NOTIFICATIONS.c.ticket_number.in_(numbers))
                    .values(recipient="", text="", subject=None))
    uids = (await s.scalars(select(CALLS.c.uniqueid).where(CALLS.c.ticket_id.in_(ids)))).all()
    await scrub_events(s, EVENTS.c.uniqueid.in_(list(uids)))
    await s.execute(insert(HISTORY), [
        {"ticket_id": r.id, "at": at, "actor": actor[:64], "role": role[:16],
         "action": "anonymised", "old_status": r.status, "new_status": r.status,
         "comment": "", "details": json.dumps({"why": why}, ensure_ascii=False),
         "event_id": None} for r in rows])
    return numbers


async def scrub_events(s: AsyncSession, where: Any,
                       keep: Callable[[str], bool] = lambda caller: False) -> int:
    """Blank the caller fields of the call events matching ``where``
    (unless ``keep(caller)``); returns how many events changed."""
    changed = 0
    rows = (await s.execute(select(EVENTS.c.id, EVENTS.c.payload).where(where)
                            .where(EVENTS.c.payload.like('%"caller%')))).all()
    for r in rows:
        try:
            payload = json.loads(r.payload)
        except ValueError:
            continue
        if not isinstance(payload, dict):
            continue
        hit = [k for k in CALLER_KEYS if payload.get(k) and not keep(str(payload[k]))]
        if hit:
            for k in hit:
                payload[k] = None
            await s.execute(update(EVENTS).where(EVENTS.c.id == r.id)
                            .values(payload=json.dumps(payload, ensure_ascii=False)))
            changed += 1
    return changed


def same_phone(target: str | None) -> Callable[[str], bool]:
    """A test for "this caller ID is the citizen's number", in any format."""
    def match(raw: str) -> bool:
        try:
            return target is not None and normalize_phone(raw) == target
        except Exception:  # not a number at all: not this citizen's
            return False
    return match
