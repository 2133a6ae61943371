"""The department work queue (/api/queue): open work first and never hidden,
paging with a total, search, filters; a comment is not a status step;
internal notes stay internal; the citizen is told each status once."""

from __future__ import annotations

from http_helpers import bearer, login
from sqlalchemy import select

from tickets.domain import Actor
from tickets.notify.jobs import Notification

SUP = Actor("sup", "supervisor")
VOD = Actor("vod1", "department", "vodovod")
PHONE = "+381641112223"


async def _open(svc, subject="Цев", **kw):
    return await svc.open_ticket(SUP, kind="complaint", subject=subject,
                                 department=kw.pop("department", "vodovod"),
                                 phone=kw.pop("phone", PHONE), **kw)


async def test_open_work_first_paging_and_search(client, web_app):
    svc = web_app.state.web.ctx.tickets
    old = await _open(svc, "Стара цев у Футошкој", name="Марко Марковић")
    await svc.change_status(VOD, old["number"], "active")
    for i in range(60):
        t = await _open(svc, f"Решено {i}", phone="+381641110000")
        await svc.change_status(VOD, t["number"], "resolved")
    await _open(svc, "Друга служба", department=None)
    vod = bearer(await login(client, "vod1"))
    r = await client.get("/api/queue", headers=vod)
    body = r.json()
    assert r.status_code == 200 and body["total"] == 61
    assert body["tickets"][0]["number"] == old["number"]  # older, but open: on top
    assert len(body["tickets"]) == 50
    assert body["tickets"][0]["phone"] != PHONE  # the list is masked; the detail shows it
    r = await client.get("/api/queue", headers=vod, params={"offset": 50, "limit": 50})
    assert len(r.json()["tickets"]) == 11
    r = await client.get("/api/queue", headers=vod, params={"state": "open"})
    assert [t["number"] for t in r.json()["tickets"]] == [old["number"]]
    for q in (old["number"], "футошк", "марко", "064 111 2223"):
        r = await client.get("/api/queue", headers=vod, params={"q": q})
        assert [t["number"] for t in r.json()["tickets"]] == [old["number"]], q
    await client.post(f"/api/tickets/{old['number']}/assign", headers=vod,
                      json={"assignee": "vod1"})
    r = await client.get("/api/queue", headers=vod, params={"assignee": "me"})
    assert r.json()["total"] == 1
    r = await client.get("/api/queue", headers=vod, params={"sort": "sideways"})
    assert r.status_code == 422


async def test_comment_without_status_change_and_who_is_told(client, web_app):
    svc = web_app.state.web.ctx.tickets
    t = await _open(svc)
    n = t["number"]
    vod = bearer(await login(client, "vod1"))
    await client.post(f"/api/tickets/{n}/status", headers=vod, json={"to": "active"})
    r = await client.post(f"/api/tickets/{n}/status", headers=vod,
                          json={"to": "active", "comment": "екипа излази"})
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/tickets/{n}/status", headers=vod, json={"to": "active"})
    assert r.status_code == 409 and r.json()["error"] == "ticket.no_change"
    r = await client.post(f"/api/tickets/{n}/status", headers=vod,
                          json={"to": "resolved", "comment": "интерно: замењен вентил"})
    assert r.status_code == 200
    await svc.change_status(VOD, n, "active")  # reopened
    await svc.change_status(VOD, n, "resolved")
    h = (await client.get(f"/api/tickets/{n}/history", headers=vod)).json()["history"]
    assert [e["action"] for e in h].count("comment") == 1
    async with web_app.state.web.ctx.sessionmaker() as s:
        sent = (await s.scalars(select(Notification).where(
            Notification.ticket_number == n))).all()
    assert [x.ticket_status for x in sent] == ["resolved"]  # once, not twice
    assert "вентил" not in sent[0].text  # the internal note is not sent
    await svc.change_status(VOD, n, "active")
    await client.post(f"/api/tickets/{n}/status", headers=vod,
                      json={"to": "resolved", "comment": "Цев је поправљена.",
                            "for_citizen": True})
    async with web_app.state.web.ctx.sessionmaker() as s:
        sent = (await s.scalars(select(Notification).where(
            Notification.ticket_number == n).order_by(Notification.id))).all()
    assert len(sent) == 2 and "поправљена" in sent[1].text  # a new word for the citizen
