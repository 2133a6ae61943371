"""The citizen's notifications of a ticket on the workstations: the list
(what, channel, status, attempts, last error), retry of a failed or stuck
one (audited), the supervisor's stuck list, and who may (wrong role: 403
``auth.forbidden``; another department's ticket: 404)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from http_helpers import bearer, login
from sqlalchemy import select, update

from kontakt.privacy.audit import AuditRow
from tickets.notify.jobs import Notification


async def _resolved_ticket(client, opener: str) -> str:
    who = bearer(await login(client, opener))
    r = await client.post("/api/tickets", headers=who, json={
        "kind": "complaint", "department": "vodovod", "subject": "Пукла цев",
        "phone": "+381641112223", "email": "marko@example.rs"})
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    vod = bearer(await login(client, "vod1"))
    r = await client.post(f"/api/tickets/{number}/status", headers=vod,
                          json={"to": "resolved", "comment": "Поправљено"})
    assert r.status_code == 200, r.text
    return number


async def _ids(sessionmaker, number: str) -> dict[str, int]:
    async with sessionmaker() as s:
        rows = (await s.scalars(select(Notification)
                                .where(Notification.ticket_number == number))).all()
    return {n.channel: n.id for n in rows}


async def _set(sessionmaker, nid: int, **values) -> None:
    async with sessionmaker() as s, s.begin():
        await s.execute(update(Notification).where(Notification.id == nid).values(**values))


async def test_list_retry_and_stuck(client, sessionmaker):
    number = await _resolved_ticket(client, "agent01")
    ids = await _ids(sessionmaker, number)
    assert set(ids) == {"sms", "email"}
    await _set(sessionmaker, ids["email"], status="failed", attempts=3,
               last_error="smtp.rejected (550 no such user)", next_attempt_at=None)
    vod = bearer(await login(client, "vod1"))
    r = await client.get(f"/api/tickets/{number}/notifications", headers=vod)
    assert r.status_code == 200, r.text
    rows = {n["channel"]: n for n in r.json()["notifications"]}
    assert rows["email"]["status"] == "failed" and rows["email"]["attempts"] == 3
    assert rows["email"]["last_error"].startswith("smtp.rejected")
    assert rows["email"]["retryable"] and rows["email"]["recipient"] == "marko@example.rs"
    assert rows["email"]["ticket_status"] == "resolved" and rows["email"]["subject"]
    assert rows["sms"]["status"] == "pending" and not rows["sms"]["retryable"]  # just queued
    assert rows["sms"]["created_at"].endswith("+00:00")

    # the supervisor's list across tickets
    sup = bearer(await login(client, "sup"))
    r = await client.get("/api/notifications/stuck", headers=sup)
    assert r.status_code == 200, r.text
    assert [n["id"] for n in r.json()["notifications"]] == [ids["email"]]
    assert r.json()["total"] == 1
    # a pending one nobody sent for long is stuck too, and may be retried
    long_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=30)
    await _set(sessionmaker, ids["sms"], next_attempt_at=long_ago)
    r = await client.get("/api/notifications/stuck", headers=sup)
    assert r.json()["total"] == 2

    r = await client.post(f"/api/tickets/{number}/notifications/{ids['email']}/retry",
                          headers=vod, json={})
    assert r.status_code == 200, r.text
    again = r.json()["notification"]
    assert (again["status"], again["attempts"], again["retryable"]) == ("pending", 0, False)
    r = await client.post(f"/api/tickets/{number}/notifications/{ids['sms']}/retry",
                          headers=sup, json={})
    assert r.status_code == 200 and r.json()["notification"]["status"] == "pending"
    r = await client.get("/api/notifications/stuck", headers=sup)
    assert r.json()["total"] == 0
    async with sessionmaker() as s:
        audit = (await s.scalars(select(AuditRow).where(
            AuditRow.action == "notification.retry"))).all()
    assert [(a.actor, a.ticket_number) for a in audit] == [("vod1", number), ("sup", number)]

    # a delivered one is not sent twice
    await _set(sessionmaker, ids["sms"], status="sent", attempts=1)
    r = await client.post(f"/api/tickets/{number}/notifications/{ids['sms']}/retry",
                          headers=vod, json={})
    assert r.status_code == 409 and r.json()["error"] == "notify.not_retryable"
    # a notification of another ticket is not found through this one
    other = await _resolved_ticket(client, "agent01")
    r = await client.post(f"/api/tickets/{other}/notifications/{ids['email']}/retry",
                          headers=vod, json={})
    assert r.status_code == 404 and r.json()["error"] == "notify.not_found"


async def test_who_may(client, sessionmaker):
    number = await _resolved_ticket(client, "sup")  # opened by the supervisor
    ids = await _ids(sessionmaker, number)
    for user in ("adm",):
        h = bearer(await login(client, user))
        r = await client.get(f"/api/tickets/{number}/notifications", headers=h)
        assert r.status_code == 403 and r.json()["error"] == "auth.forbidden"
        r = await client.post(f"/api/tickets/{number}/notifications/{ids['sms']}/retry",
                              headers=h, json={})
        assert r.status_code == 403 and r.json()["error"] == "auth.forbidden"
    for user in ("agent01", "vod1", "adm"):
        r = await client.get("/api/notifications/stuck", headers=bearer(await login(client, user)))
        assert r.status_code == 403 and r.json()["error"] == "auth.forbidden"
    cis = bearer(await login(client, "cis1"))  # another department: no such ticket
    r = await client.get(f"/api/tickets/{number}/notifications", headers=cis)
    assert r.status_code == 404 and r.json()["error"] == "ticket.not_found"
    r = await client.post(f"/api/tickets/{number}/notifications/{ids['sms']}/retry",
                          headers=cis, json={})
    assert r.status_code == 404
    # an operator who does not handle the ticket sees the recipients masked
    agent = bearer(await login(client, "agent01"))
    r = await client.get(f"/api/tickets/{number}/notifications", headers=agent)
    assert r.status_code == 200
    got = {n["channel"]: n for n in r.json()["notifications"]}
    assert got["sms"]["recipient"].endswith("23") and "1112" not in got["sms"]["recipient"]
    assert got["email"]["personal_data"] == "masked" and "marko" not in got["email"]["recipient"]
