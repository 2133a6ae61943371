"""Ticket storage: SQLAlchemy 2 tables on ``infra.db.Base`` and the
repository the service layer uses inside one transaction.

Tables: ``tickets``, ``ticket_calls`` (the calls a ticket came from),
``ticket_history`` (append-only: nothing here updates or deletes it) and
``ticket_counters`` (the yearly sequence behind ``NS-2027-000123``).  The
schema is created by Alembic (``kontakt/migrations``), including the full
text index (SQLite FTS5 table; PostgreSQL a stored ``search_tsv`` column
under GIN).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base
from tickets.clock_state import Sla
from tickets.domain import CallLink, Kind, NotFound, Status, Ticket, format_number
from tickets.fold import search_text
from tickets.reporters import ReporterRow


class TicketRow(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Subject and description folded (``tickets.fold``): what the full text
    # index holds (migration 0010), written with every change of either.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    citizen_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    department: Mapped[str | None] = mapped_column(String(32))
    opened_by: Mapped[str] = mapped_column(String(64))
    assignee: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The deadline clock (tickets.clock_state.Sla; migration 0008).
    sla_response_s: Mapped[float | None] = mapped_column(Float)
    sla_resolution_s: Mapped[float | None] = mapped_column(Float)
    sla_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_response_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_used_s: Mapped[float] = mapped_column(Float, default=0.0)
    sla_running_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    overdue: Mapped[str | None] = mapped_column(String(12))
    overdue_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    merged_into: Mapped[str | None] = mapped_column(String(24))

    __table_args__ = (
        Index("ix_tickets_phone_created", "phone", "created_at"),
        Index("ix_tickets_department_status", "department", "status", "created_at"),
        Index("ix_tickets_status_created", "status", "created_at"),
        Index("ix_tickets_kind_created", "kind", "created_at"),
        Index("ix_tickets_created", "created_at"),
        Index("ix_tickets_opened_by", "opened_by", "created_at"),
        Index("ix_tickets_status_due", "status", "due_at"),
        Index("ix_tickets_status_response_due", "status", "sla_response_due_at"),
    )


class TicketCallRow(Base):
    __tablename__ = "ticket_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    uniqueid: Mapped[str] = mapped_column(String(40), index=True)
    wait_seconds: Mapped[float | None] = mapped_column(Float)
    talk_seconds: Mapped[float | None] = mapped_column(Float)
    agent: Mapped[str | None] = mapped_column(String(64))


class HistoryRow(Base):
    __tablename__ = "ticket_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    old_status: Mapped[str | None] = mapped_column(String(16))
    new_status: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[str] = mapped_column(Text, default="{}")
    event_id: Mapped[str | None] = mapped_column(String(36))


class NumberYearRow(Base):
    """PostgreSQL: the sequence value of each year's first ticket."""

    __tablename__ = "ticket_number_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    first_seq: Mapped[int] = mapped_column(BigInteger)


class CounterRow(Base):
    __tablename__ = "ticket_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


class TicketRepository:
    """One transaction's view of the tickets (the caller begins and commits).

    The writes are Core statements on the tables, each built once: no ORM
    object, identity map or flush inside a write transaction, whose lock
    SQLite holds throughout (issue 15: a status change 227 -> 293/s on
    SQLite, 349 -> 580/s on PostgreSQL, with 50 writers)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._ids: dict[str, int] = {}  # number -> tickets.id
        self._stored: dict[str, Any] = {}  # number -> the row as loaded (what save diffs)

    async def next_number(self, year: int) -> str:
        """The next ``NS-{year}-{seq}``.  SQLite (one writer at a time): a
        gapless counter row.  PostgreSQL: a sequence, so concurrent openers do
        not queue on one row lock; a rolled-back opening leaves a gap."""
        if _dialect(self.session) == "postgresql":
            return await self._next_number_pg(year)
        # One upsert: the year's row made at 1 or moved on by one, inside the
        # writer's transaction (BEGIN IMMEDIATE holds the write lock).
        seq = await self.session.scalar(_COUNT, {"year": year})
        return format_number(year, int(seq or 0))

    async def _next_number_pg(self, year: int) -> str:
        # The draw and the year's first value in one round trip.
        seq, first = (await self.session.execute(_DRAW, {"year": year})).one()
        if first is None:
            await self.session.execute(
                postgresql.insert(YEARS).values(year=year, first_seq=seq)
                .on_conflict_do_nothing(index_elements=["year"]))
            first = await self.session.scalar(_FIRST, {"year": year})
        while seq < int(first or 0):  # raced the year's first opener: draw again
            seq = int(await self.session.scalar(_NEXTVAL) or 0)
        return format_number(year, seq - int(first or 0) + 1)

    async def get(self, number: str, *, for_update: bool = False) -> Ticket:
        """The ticket and its calls, in one statement (an outer join: a row per
        call); PostgreSQL locks the ticket's row with ``for_update``."""
        q = _GET_FOR_UPDATE if for_update and _dialect(self.session) == "postgresql" else _GET
        rows = (await self.session.execute(q, {"number": number})).all()
        if not rows:
            raise NotFound(f"no ticket {number}", number=number)
        row = rows[0]
        self._ids[number], self._stored[number] = row.id, row
        return to_domain(row, [CallLink(r.call_uniqueid, r.call_wait_seconds,
                                        r.call_talk_seconds, r.call_agent)
                               for r in rows if r.call_uniqueid is not None])

    async def add(self, t: Ticket, values: dict[str, Any]) -> None:
        """Insert the new ticket ``t`` (its row's ``values``, from
        ``ticket_values``, taken before the write transaction)."""
        self._ids[t.number] = int(await self.session.scalar(
            _ADD, {"number": t.number, **values}) or 0)

    async def save(self, t: Ticket) -> None:
        """UPDATE the columns ``t`` changed since ``get``, as the unit of work
        did: an unchanged subject or description must not fire the full text
        index's update trigger (SQLite)."""
        old = self._stored[t.number]
        changed = {k: v for k, v in ticket_values(t).items() if not _same(getattr(old, k), v)}
        if changed:
            await self.session.execute(
                update(TICKETS).where(TICKETS.c.id == self._ids[t.number]).values(**changed))

    async def set_merged_into(self, t: Ticket, into: str) -> None:
        await self.session.execute(update(TICKETS).where(TICKETS.c.id == self._ids[t.number])
                                   .values(merged_into=into))

    def id_of(self, t: Ticket) -> int:
        return self._ids[t.number]

    async def add_reporters(self, t: Ticket, rows: list[dict[str, Any]]) -> None:
        """Reporter rows (``from_number``, ``phone``, ``citizen_name``, ``email``,
        ``language``, ``added_at``) for ``t``, in one statement."""
        if rows:
            await self.session.execute(_ADD_REPORTERS,
                                       [{**r, "ticket_id": self._ids[t.number]} for r in rows])

    async def reporters(self, t: Ticket) -> list[Any]:
        """The citizens ``t`` took over from merged duplicates (rows with the
        ``ticket_reporters`` columns as attributes), oldest first."""
        return list((await self.session.execute(
            select(REPORTERS).where(REPORTERS.c.ticket_id == self._ids[t.number])
            .order_by(REPORTERS.c.id))).all())

    async def link_calls(self, t: Ticket, calls: list[CallLink]) -> None:
        if calls:
            await self.session.execute(_ADD_CALLS, [
                {"ticket_id": self._ids[t.number], "uniqueid": c.uniqueid,
                 "wait_seconds": c.wait_seconds, "talk_seconds": c.talk_seconds,
                 "agent": c.agent} for c in calls])

    async def add_history(self, t: Ticket, rows: list[dict[str, Any]]) -> None:
        """History rows (``history_values``) for ``t``, in one statement."""
        if rows:
            await self.session.execute(_ADD_HISTORY,
                                       [{**r, "ticket_id": self._ids[t.number]} for r in rows])

    async def history(self, number: str) -> list[dict[str, Any]]:
        rows = (await self.session.execute(
            select(HistoryRow).join(TicketRow, TicketRow.id == HistoryRow.ticket_id)
            .where(TicketRow.number == number).order_by(HistoryRow.id))).scalars().all()
        return [{"at": r.at, "actor": r.actor, "role": r.role, "action": r.action,
                 "old_status": r.old_status, "new_status": r.new_status, "comment": r.comment,
                 "details": json.loads(r.details or "{}"), "event_id": r.event_id}
                for r in rows]


TICKETS, CALLS, HISTORY = TicketRow.__table__, TicketCallRow.__table__, HistoryRow.__table__
REPORTERS, COUNTERS, YEARS = ReporterRow.__table__, CounterRow.__table__, NumberYearRow.__table__


# Built once: a statement made per call costs more than running it (coercion
# and cache key each time).
_COUNT = (sqlite.insert(COUNTERS).values(year=bindparam("year"), last=1)
          .on_conflict_do_update(index_elements=["year"], set_={"last": COUNTERS.c.last + 1})
          .returning(COUNTERS.c.last))
_NEXTVAL = select(func.nextval("ticket_number_seq"))
_FIRST = select(YEARS.c.first_seq).where(YEARS.c.year == bindparam("year"))
_DRAW = select(func.nextval("ticket_number_seq"), _FIRST.scalar_subquery())
_GET = (select(TICKETS, *(c.label(f"call_{c.name}") for c in
                          (CALLS.c.uniqueid, CALLS.c.wait_seconds, CALLS.c.talk_seconds,
                           CALLS.c.agent)))
        .outerjoin(CALLS, CALLS.c.ticket_id == TICKETS.c.id)
        .where(TICKETS.c.number == bindparam("number")).order_by(CALLS.c.id))
_GET_FOR_UPDATE = _GET.with_for_update(of=TICKETS)
_ADD = insert(TICKETS).returning(TICKETS.c.id)
_ADD_CALLS, _ADD_HISTORY, _ADD_REPORTERS = insert(CALLS), insert(HISTORY), insert(REPORTERS)


def history_values(*, at: datetime, actor: str, role: str, action: str, old: str | None,
                   new: str | None, comment: str = "", details: dict[str, Any] | None = None,
                   event_id: str | None = None) -> dict[str, Any]:
    """A history row's values but its ``ticket_id`` (``add_history`` adds it)."""
    return {"at": at, "actor": actor, "role": role, "action": action, "old_status": old,
            "new_status": new, "comment": comment or "",
            "details": json.dumps(details or {}, ensure_ascii=False, default=str),
            "event_id": event_id}


def ticket_values(t: Ticket) -> dict[str, Any]:
    """The ``tickets`` row of ``t`` but its number and id."""
    c = t.sla
    return {"kind": t.kind.value, "status": t.status.value, "subject": t.subject,
            "description": t.description, "search_text": search_text(t.subject, t.description),
            "phone": t.phone, "citizen_name": t.name, "email": t.email, "address": t.address,
            "lat": t.lat, "lon": t.lon, "department": t.department, "opened_by": t.opened_by,
            "assignee": t.assignee, "channel": t.channel, "language": t.language,
            "created_at": t.created_at, "updated_at": t.updated_at,
            "sla_response_s": c.response_s, "sla_resolution_s": c.resolution_s,
            "sla_started_at": c.started_at, "sla_response_due_at": c.response_due_at,
            "sla_responded_at": c.responded_at, "sla_used_s": c.used_s,
            "sla_running_since": c.running_since, "due_at": c.due_at,
            "overdue": c.overdue, "overdue_at": c.overdue_at}


def _same(stored: Any, value: Any) -> bool:
    if isinstance(stored, datetime) and isinstance(value, datetime):
        return _aware(stored) == _aware(value)  # SQLite hands back naive UTC
    return bool(stored == value)  # as the unit of work compares (45 == 45.0)


def _sla(row: Any) -> Sla:
    def aw(v: datetime | None) -> datetime | None:
        return None if v is None else _aware(v)

    return Sla(response_s=row.sla_response_s, resolution_s=row.sla_resolution_s,
               started_at=aw(row.sla_started_at), response_due_at=aw(row.sla_response_due_at),
               responded_at=aw(row.sla_responded_at), used_s=float(row.sla_used_s or 0.0),
               running_since=aw(row.sla_running_since), due_at=aw(row.due_at),
               overdue=row.overdue, overdue_at=aw(row.overdue_at))


def to_domain(row: Any, calls: list[CallLink] | None = None) -> Ticket:
    return Ticket(number=row.number, kind=Kind(row.kind), subject=row.subject,
                  description=row.description or "", phone=row.phone,
                  opened_by=row.opened_by, created_at=_aware(row.created_at),
                  updated_at=_aware(row.updated_at), status=Status(row.status),
                  department=row.department, name=row.citizen_name, email=row.email,
                  address=row.address, lat=row.lat, lon=row.lon, channel=row.channel,
                  language=row.language, assignee=row.assignee, calls=list(calls or []),
                  sla=_sla(row))


def _aware(dt: datetime) -> datetime:
    from datetime import UTC

    # SQLite hands back naive datetimes; everything is stored in UTC.
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


async def count_by_department(session: AsyncSession) -> dict[str, dict[str, int]]:
    rows = (await session.execute(
        select(TicketRow.department, TicketRow.status, func.count())
        .group_by(TicketRow.department, TicketRow.status))).all()
    out: dict[str, dict[str, int]] = {}
    for dep, status, n in rows:
        out.setdefault(dep or "", {})[status] = int(n)
    return out


async def totals(session: AsyncSession) -> dict[str, int]:
    """Tickets opened, transferred (calls sent to a department) and resolved."""
    opened = await session.scalar(select(func.count()).select_from(TicketRow))
    transferred = await session.scalar(select(func.count()).select_from(HistoryRow)
                                       .where(HistoryRow.action == "transferred"))
    resolved = await session.scalar(select(func.count(func.distinct(HistoryRow.ticket_id)))
                                     .where(HistoryRow.new_status == "resolved"))
    return {"opened": int(opened or 0), "transferred": int(transferred or 0),
            "resolved": int(resolved or 0)}
