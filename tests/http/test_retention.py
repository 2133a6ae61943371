"""Retention: personal data anonymised after the configured period by a
daily job that logs what it did; a citizen's export and erasure by the
administrator, with the audit entries kept."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from http_helpers import bearer, login
from sqlalchemy import text

from kontakt.eventlog import EventLog, new_event
from kontakt.privacy.audit import AuditLog
from kontakt.privacy.retention import RetentionJob
from kontakt.settings import Settings
from tickets.domain import Actor
from tickets.service import TicketService

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
AGENT, STAFF = Actor("agent01", "agent"), Actor("vod1", "department", "vodovod")


def _service(sessionmaker, at):
    return TicketService(sessionmaker, clock=lambda: at)


async def _open(sessionmaker, at, phone="+381641234567", resolve=True, **kw):
    svc = _service(sessionmaker, at)
    t = await svc.open_ticket(AGENT, kind="complaint", subject="Пукла цев",
                              description="Петар са Лимана, зове на 064 123 4567",
                              department="vodovod", phone=phone, name="Петар Петровић",
                              email="petar@example.rs", address="Булевар 1", **kw)
    await svc.comment(STAFF, t["number"], "звао сам г. Петровића")
    if resolve:
        await svc.change_status(STAFF, t["number"], "resolved", "поправљено")
    return t["number"]


async def test_the_job_anonymises_what_is_past_the_period_and_logs_it(sessionmaker):
    old = await _open(sessionmaker, NOW - timedelta(days=800))
    still_open = await _open(sessionmaker, NOW - timedelta(days=800), resolve=False)
    recent = await _open(sessionmaker, NOW - timedelta(days=10))
    events = EventLog(sessionmaker)
    events.record("kontakt/queue/1.1", {**new_event("call.queued", uniqueid="1.1",
                                                    caller="0641234567"),
                                        "ts": (NOW - timedelta(days=800)).isoformat()})
    await events.flush()
    async with sessionmaker() as s, s.begin():  # the event's own time, far back
        await s.execute(text("UPDATE call_events SET ts = :ts"),
                        {"ts": NOW - timedelta(days=800)})
    job = RetentionJob(sessionmaker, 730, now=lambda: NOW)
    report = await job.run_once()
    assert (report.tickets, report.call_events) == (1, 1)
    svc = _service(sessionmaker, NOW)
    admin = Actor("adm", "admin")
    t = await svc.get(admin, old)
    assert (t["phone"], t["name"], t["email"], t["address"], t["description"]) == (
        None, None, None, None, "")
    assert (t["subject"], t["department"], t["status"]) == ("Пукла цев", "vodovod", "resolved")
    history = await svc.history(admin, old)
    assert all(h["comment"] == "" for h in history)
    assert history[-1]["action"] == "anonymised" and history[-1]["actor"] == "retention"
    for kept in (still_open, recent):  # open, or not yet past the period
        assert (await svc.get(admin, kept))["phone"] == "+381641234567"
    assert await svc.search(admin, text="Лимана") != []  # the kept ones still found
    assert old not in [x["number"] for x in await svc.search(admin, text="Лимана")]
    async with sessionmaker() as s:
        payload = json.loads((await s.execute(text("SELECT payload FROM call_events"))).scalar())
    assert payload["caller"] is None and payload["type"] == "call.queued"
    runs = await AuditLog(sessionmaker).read(action="retention.run")
    assert runs[0]["details"]["tickets"] == 1 and runs[0]["details"]["numbers"] == [old]
    assert (await job.run_once()).tickets == 0  # nothing twice


async def test_the_job_runs_daily_until_stopped(sessionmaker):
    await _open(sessionmaker, NOW - timedelta(days=40))
    job = RetentionJob(sessionmaker, 30, now=lambda: NOW, every=0.05)
    await job.start()
    await asyncio.sleep(0.3)
    await job.stop()
    runs = await AuditLog(sessionmaker).read(action="retention.run")
    assert len(runs) >= 2 and runs[0]["details"]["tickets"] == 1
    assert all(r["details"]["tickets"] == 0 for r in runs[1:])


def test_the_period_is_a_setting():
    assert Settings().retention_days == 730
    assert Settings.from_mapping({"retention_days": "365"}).retention_days == 365


async def test_a_citizen_asks_for_their_data_and_its_erasure(client, web_app, sessionmaker):
    mine = await _open(sessionmaker, datetime.now(UTC), phone="0641234567")
    other = await _open(sessionmaker, datetime.now(UTC), phone="0217654321")
    adm = bearer(await login(client, "adm"))
    body = {"phone": "064/123-4567", "reason": "захтев грађанина бр. 12/2027"}
    r = await client.post("/api/citizens/export", headers=adm, json=body)
    assert r.status_code == 200, r.text
    bundle = r.json()
    assert [t["number"] for t in bundle["tickets"]] == [mine]
    assert bundle["tickets"][0]["email"] == "petar@example.rs"
    assert any(h["comment"] for h in bundle["tickets"][0]["history"])
    r = await client.post("/api/citizens/erase", headers=adm, json=body)
    assert r.status_code == 200 and r.json()["erased"] == [mine]
    r = await client.get(f"/api/tickets/{mine}", headers=adm)
    assert r.json()["phone"] is None and r.json()["description"] == ""
    r = await client.get(f"/api/tickets/{other}", headers=adm)
    assert r.json()["phone"] == "+381217654321"  # another citizen's stays
    r = await client.post("/api/citizens/export", headers=adm, json=body)
    assert r.json()["tickets"] == []  # nothing is held any more
    audit = (await client.get("/api/audit", headers=adm, params={"ticket": mine})).json()
    actions = [e["action"] for e in audit["entries"]]
    assert actions[:2] == ["citizen.export", "citizen.erase"]  # and the log keeps both
    assert audit["entries"][1]["reason"] == body["reason"]
    for bad in ({"reason": "no citizen named"}, {"phone": "abc", "reason": "a reason"}):
        r = await client.post("/api/citizens/erase", headers=adm, json=bad)
        assert r.status_code == 422 and r.json()["error"] == "citizen.invalid"
    sup = bearer(await login(client, "sup"))
    assert (await client.post("/api/citizens/erase", headers=sup, json=body)).status_code == 403


async def test_start_retention_is_a_bootstrap_extra(sessionmaker):
    from types import SimpleNamespace

    from kontakt.privacy.retention import start_retention

    system = SimpleNamespace(sessionmaker=sessionmaker, settings=Settings(retention_days=30))
    stop = await start_retention(system)
    for _ in range(100):
        if await AuditLog(sessionmaker).read(action="retention.run"):
            break
        await asyncio.sleep(0.05)
    await stop()
    assert len(await AuditLog(sessionmaker).read(action="retention.run")) == 1
