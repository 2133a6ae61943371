"""Looking after the notifications from the workstations: what a ticket's
notifications did, which ones are stuck, and trying one again.

A notification is *stuck* when it is ``failed`` or ``gave_up``, or still
``pending`` although it was tried and failed at least once, or it has been
due for ``STUCK_AFTER`` and nobody sent it (no gateway for its channel, no
worker).
``retry`` takes the transition of ``policy`` that fits the state: ``rearm``
for ``failed``/``gave_up`` (attempts start over), ``retry_now`` for a stuck
``pending`` one (due at once, attempts kept); a ``sent`` one refuses
(``policy.TransitionError``).  Built on the ``jobs`` table and its view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.logs import get_logger
from tickets.notify import policy
from tickets.notify.jobs import Notification, _naive_utc, as_dict, utcnow

log = get_logger()

STUCK_AFTER = timedelta(minutes=5)


class NotificationNotFound(LookupError):
    """No such notification (on that ticket)."""

    code = "notify.not_found"

    def __init__(self, notification_id: int, ticket_number: str | None = None) -> None:
        self.details: dict[str, Any] = {"id": notification_id, "ticket": ticket_number}
        where = f" on ticket {ticket_number}" if ticket_number else ""
        super().__init__(f"no notification {notification_id}{where}")


@dataclass(frozen=True)
class Retried:
    """What ``retry`` did: the policy event taken and the row as it is now."""

    event: str
    previous_status: str
    row: dict[str, Any]


def _stuck_condition(now: datetime) -> Any:
    return or_(Notification.status.in_((policy.FAILED, policy.GAVE_UP)),
               and_(Notification.status == policy.PENDING,
                    or_(Notification.attempts > 0,
                        Notification.next_attempt_at <= now - STUCK_AFTER)))


def is_stuck(n: Notification, now: datetime) -> bool:
    if n.status in (policy.FAILED, policy.GAVE_UP):
        return True
    return n.status == policy.PENDING and (
        n.attempts > 0 or (n.next_attempt_at is not None
                           and n.next_attempt_at <= _naive_utc(now) - STUCK_AFTER))


def view(n: Notification, now: datetime) -> dict[str, Any]:
    """The row for a person: the jobs view, what was sent, and whether it may be retried."""
    stuck = is_stuck(n, now)
    return {**as_dict(n), "subject": n.subject, "text": n.text, "stuck": stuck,
            "retryable": stuck}


async def for_ticket(session: AsyncSession, ticket_number: str,
                     now: datetime | None = None) -> list[dict[str, Any]]:
    """A ticket's notifications, newest first."""
    at = now or utcnow()
    rows = (await session.scalars(
        select(Notification).where(Notification.ticket_number == ticket_number)
        .order_by(Notification.id.desc()))).all()
    return [view(n, at) for n in rows]


async def stuck(session: AsyncSession, *, now: datetime | None = None, offset: int = 0,
                limit: int = 100) -> dict[str, Any]:
    """Stuck notifications across every ticket, oldest first, and how many there are."""
    at = now or utcnow()
    cond = _stuck_condition(_naive_utc(at))
    total = await session.scalar(select(func.count()).select_from(Notification).where(cond))
    rows = (await session.scalars(
        select(Notification).where(cond).order_by(Notification.created_at, Notification.id)
        .offset(max(0, offset)).limit(max(1, min(limit, 500))))).all()
    return {"notifications": [view(n, at) for n in rows], "total": int(total or 0)}


async def retry(session: AsyncSession, notification_id: int, *,
                ticket_number: str | None = None, now: datetime | None = None) -> Retried:
    """Make one notification due again (call inside a transaction)."""
    at = now or utcnow()
    n = await session.get(Notification, notification_id)
    if n is None or (ticket_number is not None and n.ticket_number != ticket_number):
        raise NotificationNotFound(notification_id, ticket_number)
    event = policy.RETRY_NOW if n.status == policy.PENDING else policy.REARM
    previous = n.status
    nxt = policy.after(n.status, event, attempts=n.attempts, now=_naive_utc(at),
                       max_attempts=1, backoff=lambda _a: 0.0)
    n.status, n.attempts, n.next_attempt_at = nxt.status, nxt.attempts, nxt.next_attempt_at
    log.info("notify.retried", id=n.id, ticket=n.ticket_number, channel=n.channel,
             step=event, previous=previous)
    return Retried(event, previous, view(n, at))
