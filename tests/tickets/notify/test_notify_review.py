"""The workstations' view of the notifications on SQLite and PostgreSQL:
stuck ones across tickets (failed, given up, pending after a failure or due
long ago), and retry through the policy's transitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from tickets.notify import policy, review
from tickets.notify.jobs import Notification, enqueue

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


async def _queue(sm, number: str, event_id: str) -> None:
    async with sm() as s, s.begin():
        await enqueue(s, ticket_number=number, event_id=event_id, status="resolved",
                      language="sr", phone="+381641234567", email="g@example.org",
                      outcome=None, now=NOW)


async def _set(sm, number: str, channel: str, **values) -> int:
    async with sm() as s, s.begin():
        nid = await s.scalar(select(Notification.id).where(
            Notification.ticket_number == number, Notification.channel == channel))
        if values:
            await s.execute(update(Notification).where(Notification.id == nid).values(**values))
    return int(nid)


async def test_stuck_and_retry(sm):
    await _queue(sm, "NS-2027-000001", "ev-1")
    await _queue(sm, "NS-2027-000002", "ev-2")
    naive = NOW.replace(tzinfo=None)
    failed = await _set(sm, "NS-2027-000001", "email", status=policy.FAILED, attempts=1,
                        next_attempt_at=None, last_error="smtp.rejected")
    retrying = await _set(sm, "NS-2027-000001", "sms", attempts=2, last_error="kannel.down",
                          next_attempt_at=naive + timedelta(minutes=1))
    await _set(sm, "NS-2027-000002", "sms", status=policy.SENT, attempts=1, next_attempt_at=None)
    async with sm() as s:
        got = await review.stuck(s, now=NOW)
        assert {n["id"] for n in got["notifications"]} == {failed, retrying}
        assert got["total"] == 2
        # nobody sent the second ticket's e-mail for 10 minutes: stuck too
        later = await review.stuck(s, now=NOW + timedelta(minutes=10))
        assert later["total"] == 3
        view = await review.for_ticket(s, "NS-2027-000001", NOW)
        assert [n["id"] for n in view] == sorted([failed, retrying], reverse=True)
        assert all(n["retryable"] and n["text"] for n in view)

    async with sm() as s, s.begin():
        done = await review.retry(s, retrying, ticket_number="NS-2027-000001", now=NOW)
    assert (done.event, done.previous_status) == (policy.RETRY_NOW, policy.PENDING)
    assert (done.row["status"], done.row["attempts"]) == (policy.PENDING, 2)
    async with sm() as s, s.begin():
        done = await review.retry(s, failed, now=NOW)
    assert (done.event, done.row["status"], done.row["attempts"]) == (policy.REARM,
                                                                       policy.PENDING, 0)
    assert not done.row["stuck"]
    sent = await _set(sm, "NS-2027-000002", "sms")
    with pytest.raises(policy.TransitionError):
        async with sm() as s, s.begin():
            await review.retry(s, sent, now=NOW)
    with pytest.raises(review.NotificationNotFound) as e:
        async with sm() as s, s.begin():
            await review.retry(s, failed, ticket_number="NS-2027-000002", now=NOW)
    assert e.value.code == "notify.not_found"
