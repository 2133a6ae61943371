"""The append-only audit log of citizens' personal data: every read of a
ticket's personal data, every export, every erasure and every retention
run, with who, when, which ticket and why.

Append-only twice over: this module only inserts and selects, and the
database refuses UPDATE and DELETE on the table (triggers of Alembic
revision 0007).  The log holds no citizen's personal data itself: a phone
number searched for is kept masked.

Reads of the same ticket by the same user for the same reason through a
*list* (an inbox refreshed on every change) are written once per
``LIST_EVERY`` seconds; opening a ticket, exports and erasures are written
every time.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base

LIST_EVERY = 900.0
ACTIONS = ("ticket.read", "ticket.list", "ticket.history", "citizen.export", "citizen.erase",
           "audit.read", "audit.export", "retention.run",
           "agent.pause", "agent.ready", "agent.logout",  # a supervisor acting on an operator
           "user.add", "user.update", "user.deactivate", "user.password_reset",
           "call.listen", "call.whisper", "call.barge", "recording.play",
           "notification.list", "notification.retry")  # a ticket's SMS/e-mail to the citizen
# Reads through a list, written once per LIST_EVERY (see the module doc).
LISTS = ("ticket.list", "notification.list")


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    ticket_number: Mapped[str | None] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(String(300))
    client: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text)


@dataclass(frozen=True)
class Entry:
    actor: str
    role: str
    action: str  # one of ACTIONS
    ticket_number: str | None = None
    reason: str = ""  # the basis: handler, department, role, or the words the user gave
    client: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class AuditLog:
    def __init__(self, sessionmaker: Any, *, clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 list_every: float = LIST_EVERY, remember: int = 50_000) -> None:
        self.sessionmaker, self.clock, self.now = sessionmaker, clock, now
        self.list_every, self.remember = list_every, remember
        self._listed: OrderedDict[tuple[str, str | None, str], float] = OrderedDict()

    async def record(self, entries: Iterable[Entry]) -> int:
        """Write the entries in one transaction; returns how many were written."""
        rows = [self._row(e) for e in entries if self._due(e)]
        if rows:
            async with self.sessionmaker() as s, s.begin():
                await s.execute(insert(AuditRow), rows)
        return len(rows)

    def _due(self, e: Entry) -> bool:
        if e.action not in LISTS:
            return True
        key, now = (e.actor, e.ticket_number, e.reason), self.clock()
        last = self._listed.get(key)
        if last is not None and now - last < self.list_every:
            return False  # left in place: the dict stays in the order of the times
        self._listed.pop(key, None)
        self._listed[key] = now
        # Forget what is older than list_every (it would be written again
        # anyway): the dict holds the last 15 minutes, not 50,000 pairs a
        # day-long demo kept filling (part of its memory growth).
        while self._listed:
            first_key, first = next(iter(self._listed.items()))
            if now - first < self.list_every and len(self._listed) <= self.remember:
                break
            del self._listed[first_key]
        return True

    def _row(self, e: Entry) -> dict[str, Any]:
        return {"at": self.now(), "actor": e.actor[:64], "role": e.role[:16],
                "action": e.action[:32], "ticket_number": e.ticket_number,
                "reason": e.reason[:300], "client": e.client,
                "details": json.dumps(e.details, ensure_ascii=False, default=str)}

    async def read(self, *, actor: str | None = None, ticket: str | None = None,
                   action: str | None = None, since: datetime | None = None,
                   until: datetime | None = None, limit: int = 500,
                   after_id: int = 0) -> list[dict[str, Any]]:
        """Oldest first from ``after_id`` (page through with the last id)."""
        q = select(AuditRow).where(AuditRow.id > after_id).order_by(AuditRow.id)
        if actor:
            q = q.where(AuditRow.actor == actor)
        if ticket:
            q = q.where(AuditRow.ticket_number == ticket)
        if action:
            q = q.where(AuditRow.action == action)
        if since:
            q = q.where(AuditRow.at >= since)
        if until:
            q = q.where(AuditRow.at < until)
        async with self.sessionmaker() as s:
            rows = (await s.scalars(q.limit(max(1, min(limit, 10_000))))).all()
        return [as_dict(r) for r in rows]


def as_dict(r: AuditRow) -> dict[str, Any]:
    at = r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC)
    return {"id": r.id, "at": at.isoformat(), "actor": r.actor, "role": r.role,
            "action": r.action, "ticket_number": r.ticket_number, "reason": r.reason,
            "client": r.client, "details": json.loads(r.details or "{}")}


def entry_dict(e: Entry) -> dict[str, Any]:
    return asdict(e)
