"""A citizen's requests under the Law on Personal Data Protection, carried
out by the administrator: a copy of everything held about them (export),
and erasure of their personal data (``kontakt.privacy.anonymise``).  The
citizen is found by phone number (any format; compared as E.164) or
e-mail address.  Both are written to the audit log, which is kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select

from kontakt.privacy.anonymise import (
    CALLS,
    EVENTS,
    NOTIFICATIONS,
    TICKETS,
    anonymise_tickets,
    same_phone,
    scrub_events,
)
from kontakt.privacy.audit import AuditLog, Entry
from tickets.domain import Actor, normalize_phone

ADMIN = Actor("privacy", "admin")


class CitizenError(ValueError):
    code = "citizen.invalid"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details = details


class Citizens:
    def __init__(self, sessionmaker: Any, tickets: Any, audit: AuditLog, *,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.sessionmaker, self.tickets, self.audit, self.now = sessionmaker, tickets, audit, now

    @staticmethod
    def _who(phone: str | None, email: str | None) -> tuple[str | None, str | None]:
        try:
            e164 = normalize_phone(phone)
        except Exception:
            raise CitizenError(f"phone {phone!r} is not a phone number", field="phone") from None
        mail = (email or "").strip().lower() or None
        if e164 is None and mail is None:
            raise CitizenError("name the citizen: phone or email", field="phone")
        return e164, mail

    async def _ids(self, phone: str | None, email: str | None) -> list[tuple[int, str]]:
        cond = []
        if phone:
            cond.append(TICKETS.c.phone == phone)
        if email:
            cond.append(func.lower(TICKETS.c.email) == email)
        async with self.sessionmaker() as s:
            rows = (await s.execute(select(TICKETS.c.id, TICKETS.c.number)
                                    .where(or_(*cond)).order_by(TICKETS.c.id))).all()
        return [(r.id, r.number) for r in rows]

    async def export(self, *, phone: str | None = None, email: str | None = None,
                     by: Actor, reason: str, client: str | None = None) -> dict[str, Any]:
        e164, mail = self._who(phone, email)
        found = await self._ids(e164, mail)
        tickets = []
        for _, number in found:
            t = await self.tickets.get(ADMIN, number)
            t["history"] = await self.tickets.history(ADMIN, number)
            tickets.append(t)
        numbers: list[str | None] = [n for _, n in found]
        async with self.sessionmaker() as s:
            notes = (await s.execute(select(NOTIFICATIONS.c.ticket_number,
                                            NOTIFICATIONS.c.recipient, NOTIFICATIONS.c.text)
                                     .where(NOTIFICATIONS.c.ticket_number.in_(
                                         [n for _, n in found])))).all()
            uids = (await s.scalars(select(CALLS.c.uniqueid).where(
                CALLS.c.ticket_id.in_([i for i, _ in found])))).all()
            events = (await s.scalars(select(EVENTS.c.payload)
                                      .where(EVENTS.c.uniqueid.in_(list(uids))))).all()
        await self.audit.record([
            Entry(by.user_id, str(by.role.value if hasattr(by.role, "value") else by.role),
                  "citizen.export", n, reason, client, {"matched_by": _by(e164, mail)})
            for n in (numbers or [None])])
        return {"exported_at": self.now().isoformat(), "citizen": {"phone": e164, "email": mail},
                "tickets": tickets,
                "notifications": [{"ticket_number": n.ticket_number, "recipient": n.recipient,
                                   "text": n.text} for n in notes],
                "call_events": [json.loads(p) for p in events]}

    async def erase(self, *, phone: str | None = None, email: str | None = None,
                    by: Actor, reason: str, client: str | None = None) -> dict[str, Any]:
        e164, mail = self._who(phone, email)
        found = await self._ids(e164, mail)
        role = str(by.role.value if hasattr(by.role, "value") else by.role)
        async with self.sessionmaker() as s, s.begin():
            erased = await anonymise_tickets(s, [i for i, _ in found], at=self.now(),
                                              actor=by.user_id, role=role,
                                              why=f"erasure: {reason}")
            events = 0
            if e164:  # the calls not linked to a ticket carry the number too
                match = same_phone(e164)
                events = await scrub_events(s, EVENTS.c.payload.like(f"%{e164[-6:]}%"),
                                            keep=lambda caller: not match(caller))
        numbers: list[str | None] = list(erased)
        await self.audit.record([
            Entry(by.user_id, role, "citizen.erase", n, reason, client,
                  {"matched_by": _by(e164, mail)}) for n in numbers or [None]])
        return {"erased": erased, "call_events": events}


def _by(phone: str | None, email: str | None) -> list[str]:
    return [k for k, v in (("phone", phone), ("email", email)) if v]
