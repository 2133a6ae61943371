"""Notification jobs: the ``notifications`` table, ``enqueue``, the worker, the ticket view.

Flow: the ticket service calls ``enqueue`` inside the transaction that
changes a ticket's status, so a notification exists exactly when the change
does (one row per channel the citizen gave: SMS for a phone, e-mail for an
address).  ``NotificationWorker`` then sends due rows, outside any
transaction, and records the outcome: ``sent``; ``pending`` again with
``attempts``, ``last_error`` and an exponentially later ``next_attempt_at``;
``failed`` when the gateway refuses for good; ``gave_up`` after
``max_attempts``.  Rows are never deleted, so ``for_ticket`` always shows
what the citizen was (or was not) told.

``event_id`` is the ticket event that caused the notification; it is unique
together with the channel, so a re-delivered event notifies nobody twice.

Claiming: the worker takes due rows in a short transaction and pushes their
``next_attempt_at`` forward by a lease (``lease`` seconds) before sending,
so another worker (or this one after a crash) does not send them while the
attempt is in flight; on PostgreSQL the claim also skips rows another worker
has locked.  A crash mid-send means the row is tried again after the lease:
at-least-once, never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base
from infra.logs import get_logger
from tickets.notify import policy
from tickets.notify.messages import STATUSES, render
from tickets.notify.ports import EmailSender, NotificationFailed, SmsGateway

log = get_logger()

SMS, EMAIL = "sms", "email"
CHANNELS = (SMS, EMAIL)
DEFAULT_NOTIFY_ON = ("resolved", "cancelled")
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _naive_utc(dt: datetime) -> datetime:
    # Stored as naive UTC: SQLite keeps no zone, and one convention serves both.
    return dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt


class Notification(Base):
    """One message to one citizen over one channel about one ticket event."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("event_id", "channel", name="uq_notifications_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_number: Mapped[str] = mapped_column(String(32), index=True)
    event_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8))
    ticket_status: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str | None] = mapped_column(String(300), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=policy.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


def parse_notify_on(value: str | Collection[str] | None) -> tuple[str, ...]:
    """``"resolved,cancelled"`` -> ``("resolved", "cancelled")``; unknown statuses are errors."""
    if value is None:
        return DEFAULT_NOTIFY_ON
    items = value.split(",") if isinstance(value, str) else list(value)
    out = tuple(s.strip() for s in items if s.strip())
    unknown = [s for s in out if s not in STATUSES]
    if unknown:
        raise ValueError(f"unknown ticket status {', '.join(unknown)}"
                         f" (known: {', '.join(STATUSES)})")
    return out


async def enqueue(session: AsyncSession, *, ticket_number: str, event_id: str, status: str,
                  language: str | None, phone: str | None, email: str | None,
                  outcome: str | None, notify_on: Collection[str] = DEFAULT_NOTIFY_ON,
                  now: datetime | None = None) -> None:
    """Queue the citizen's notification of ``ticket_number`` reaching ``status``.

    Call it inside the ticket's status-change transaction (it flushes, never
    commits).  One row per channel the citizen gave: ``phone`` (E.164) ->
    SMS, ``email`` -> e-mail; none when neither is known or ``status`` is
    not in ``notify_on`` (the administrator's choice; settings ``notify_on``).
    A second call with the same ``event_id`` adds nothing.
    """
    status = str(status)  # the ticket domain passes its Status StrEnum
    if status not in notify_on:
        return
    message = render(status=status, language=language, ticket_number=ticket_number,
                     outcome=outcome)
    created = _naive_utc(now or utcnow())
    rows = []
    if phone:
        rows.append({"channel": SMS, "recipient": phone, "subject": None, "text": message.sms})
    if email:
        rows.append({"channel": EMAIL, "recipient": email, "subject": message.subject,
                     "text": message.body})
    for row in rows:
        values = {**row, "ticket_number": ticket_number, "event_id": event_id,
                  "language": message.language, "ticket_status": status,
                  "status": policy.PENDING, "attempts": 0, "next_attempt_at": created,
                  "created_at": created}
        await session.execute(_insert_once(session, values))
        log.info("notify.enqueued", ticket=ticket_number, event_id=event_id,
                 channel=row["channel"], language=message.language, ticket_status=status)


async def enqueue_escalation(session: AsyncSession, *, ticket_number: str, event_id: str,
                             email: str, subject: str, text: str,
                             now: datetime | None = None) -> None:
    """Queue an e-mail to the supervisors (a ticket past its deadline), in the
    same transaction; sent and retried like the citizens' messages."""
    created = _naive_utc(now or utcnow())
    await session.execute(_insert_once(session, {
        "channel": EMAIL, "recipient": email, "subject": subject, "text": text,
        "ticket_number": ticket_number, "event_id": event_id, "language": "sr",
        "ticket_status": "overdue", "status": policy.PENDING, "attempts": 0,
        "next_attempt_at": created, "created_at": created}))
    log.info("notify.escalation_enqueued", ticket=ticket_number, event_id=event_id)


def _insert_once(session: AsyncSession, values: dict[str, Any]) -> Any:
    # ON CONFLICT DO NOTHING rather than catching IntegrityError: an error
    # would abort the caller's (the ticket service's) whole transaction on PostgreSQL.
    insert = postgresql.insert if _is_postgres(session) else sqlite.insert
    return insert(Notification).values(**values).on_conflict_do_nothing(
        index_elements=["event_id", "channel"])


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def already_told(session: AsyncSession, ticket_number: str, status: str) -> bool:
    """Whether the citizen was already notified of ``ticket_number`` reaching ``status``."""
    found = await session.scalar(
        select(Notification.id).where(Notification.ticket_number == ticket_number,
                                      Notification.ticket_status == str(status)).limit(1))
    return found is not None


async def for_ticket(session: AsyncSession, ticket_number: str) -> list[dict[str, Any]]:
    """Every notification of a ticket, oldest first, for the ticket view."""
    rows = (await session.scalars(
        select(Notification).where(Notification.ticket_number == ticket_number)
        .order_by(Notification.id))).all()
    return [as_dict(n) for n in rows]


def as_dict(n: Notification) -> dict[str, Any]:
    def iso(dt: datetime | None) -> str | None:
        return dt.replace(tzinfo=UTC).isoformat() if dt else None

    return {"id": n.id, "ticket_number": n.ticket_number, "event_id": n.event_id,
            "channel": n.channel, "recipient": n.recipient, "language": n.language,
            "ticket_status": n.ticket_status, "status": n.status, "attempts": n.attempts,
            "next_attempt_at": iso(n.next_attempt_at) if n.status == policy.PENDING else None,
            "last_error": n.last_error, "message_id": n.message_id,
            "created_at": iso(n.created_at), "sent_at": iso(n.sent_at)}


async def rearm(session: AsyncSession, notification_id: int, *, now: datetime | None = None
                ) -> dict[str, Any]:
    """Put a ``failed`` or ``gave_up`` notification back in the queue (administrator)."""
    n = await session.get(Notification, notification_id)
    if n is None:
        raise LookupError(f"no notification {notification_id}")
    nxt = policy.after(n.status, policy.REARM, attempts=n.attempts,
                       now=_naive_utc(now or utcnow()), max_attempts=1,
                       backoff=lambda _a: 0.0)
    n.status, n.attempts, n.next_attempt_at = nxt.status, nxt.attempts, nxt.next_attempt_at
    log.info("notify.rearmed", id=n.id, ticket=n.ticket_number, channel=n.channel)
    return as_dict(n)


class NotificationWorker:
    """Sends due notifications and records each outcome; never drops a row.

    ``sessionmaker`` is an ``async_sessionmaker``; ``sms``/``email`` the
    gateways (a channel whose gateway is None is left pending, untouched);
    ``clock()`` returns an aware UTC datetime; ``backoff(attempts)`` seconds
    to wait after the n-th failure (default 30 s doubling up to an hour).
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], sms: SmsGateway | None,
                 email: EmailSender | None, *, clock: Clock = utcnow, max_attempts: int = 8,
                 backoff: policy.Backoff | None = None, batch: int = 50,
                 lease: float = 120.0, poll_interval: float = 1.0) -> None:
        self.sessionmaker = sessionmaker
        self.senders: dict[str, Any] = {SMS: sms, EMAIL: email}
        self.clock = clock
        self.max_attempts = max_attempts
        self.backoff = backoff or policy.exponential_backoff()
        self.batch = batch
        self.lease = lease
        self.poll_interval = poll_interval

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Loop ``run_once`` until ``stop`` is set (or the task is cancelled)."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                done = await self.run_once()
            except Exception as e:  # keep notifying after a database hiccup
                log.error("notify.worker_error", error=str(e), kind=type(e).__name__)
                done = 0
            if done:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_interval)

    async def run_once(self) -> int:
        """Attempt every due notification once; return how many were attempted."""
        claimed = await self._claim()
        for item in claimed:
            await self._record(item, await self._attempt(item))
        return len(claimed)

    async def _claim(self) -> list[dict[str, Any]]:
        channels = [c for c, sender in self.senders.items() if sender is not None]
        if not channels:
            return []
        now = _naive_utc(self.clock())
        async with self.sessionmaker() as session, session.begin():
            stmt = (select(Notification)
                    .where(Notification.status == policy.PENDING,
                           Notification.next_attempt_at <= now,
                           Notification.channel.in_(channels))
                    .order_by(Notification.next_attempt_at, Notification.id)
                    .limit(self.batch))
            if _is_postgres(session):
                stmt = stmt.with_for_update(skip_locked=True)
            rows = (await session.scalars(stmt)).all()
            lease_until = now + timedelta(seconds=self.lease)
            out = []
            for n in rows:
                n.next_attempt_at = lease_until
                out.append({"id": n.id, "channel": n.channel, "recipient": n.recipient,
                            "subject": n.subject, "text": n.text, "ticket": n.ticket_number,
                            "attempts": n.attempts})
        return out

    async def _attempt(self, item: dict[str, Any]) -> tuple[str, str]:
        """Send one; return (policy event, message id or error summary)."""
        sender = self.senders[item["channel"]]
        try:
            if item["channel"] == SMS:
                message_id = await sender.send(item["recipient"], item["text"])
            else:
                message_id = await sender.send(item["recipient"], item["subject"] or "",
                                               item["text"])
        except NotificationFailed as e:
            event = policy.FAILED_RETRYABLE if e.retryable else policy.FAILED_PERMANENT
            return event, e.summary()
        except Exception as e:  # an adapter bug must not lose the row either
            return policy.FAILED_RETRYABLE, f"notify.unexpected ({type(e).__name__}: {e})"
        return policy.DELIVERED, str(message_id)

    async def _record(self, item: dict[str, Any], result: tuple[str, str]) -> None:
        event, info = result
        now = _naive_utc(self.clock())
        async with self.sessionmaker() as session, session.begin():
            n = await session.get(Notification, item["id"])
            if n is None or n.status != policy.PENDING:
                log.warning("notify.changed_meanwhile", id=item["id"])
                return
            nxt = policy.after(n.status, event, attempts=n.attempts, now=now,
                               max_attempts=self.max_attempts, backoff=self.backoff)
            n.status, n.attempts, n.next_attempt_at = nxt.status, nxt.attempts, nxt.next_attempt_at
            fields = {"id": n.id, "ticket": n.ticket_number, "channel": n.channel,
                      "attempts": n.attempts}
            if event == policy.DELIVERED:
                n.message_id, n.sent_at = info, now
                log.info("notify.sent", message_id=info, **fields)
            else:
                n.last_error = info
                if nxt.status == policy.PENDING:
                    log.warning("notify.retry_scheduled", error=info,
                                next_attempt_at=nxt.next_attempt_at.isoformat()
                                if nxt.next_attempt_at else None, **fields)
                else:
                    log.error(f"notify.{nxt.status}", error=info, **fields)
