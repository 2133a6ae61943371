"""The preview of what a comment (and status step) would tell the citizen:
the real SMS and e-mail words in the ticket's language, for the channels the
ticket has; nothing queued, nothing sent; the step's rules as on saving."""

from __future__ import annotations

from http_helpers import bearer, login
from sqlalchemy import func, select

from tickets.notify.jobs import Notification
from tickets.notify.messages import render


async def _ticket(client, **contact) -> str:
    agent = bearer(await login(client, "agent01"))
    r = await client.post("/api/tickets", headers=agent, json={
        "kind": "complaint", "department": "vodovod", "subject": "Пукла цев", **contact})
    assert r.status_code == 201, r.text
    return r.json()["number"]


async def _queued(web_app) -> int:
    async with web_app.state.web.ctx.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(Notification)))


async def test_preview_renders_the_comment_and_queues_nothing(client, web_app):
    number = await _ticket(client, phone="+381641112223", email="marko@example.rs",
                           language="en")
    vod = bearer(await login(client, "vod1"))
    path = f"/api/tickets/{number}/notifications/preview"
    before = await _queued(web_app)
    r = await client.post(path, headers=vod, json={"comment": "Pipe fixed", "to": "resolved"})
    assert r.status_code == 200, r.text
    got = r.json()
    want = render(status="resolved", language="en", ticket_number=number, outcome="Pipe fixed")
    assert got["outcome"] == "sent" and got["language"] == "en"
    assert got["sms"] == want.sms and "Pipe fixed" in got["sms"]
    assert got["email"] == {"subject": want.subject, "body": want.body}
    assert "+381" not in r.text and "marko@" not in r.text  # no recipient in a preview
    # a comment alone: the lookup page shows it, no SMS or e-mail
    r = await client.post(path, headers=vod, json={"comment": "Екипа излази сутра"})
    got = r.json()
    assert (got["outcome"], got["sms"], got["email"], got["web"]) == \
        ("web_only", None, None, "Екипа излази сутра")
    # not for the citizen: the status is told without the internal words
    r = await client.post(path, headers=vod, json={"comment": "интерно", "to": "resolved",
                                                   "for_citizen": False})
    assert r.json()["sms"] == render(status="resolved", language="en",
                                     ticket_number=number).sms
    assert "интерно" not in r.text
    assert await _queued(web_app) == before  # nothing stored, nothing to send
    r = await client.get(f"/api/tickets/{number}/history", headers=vod)
    assert not any(e["action"] == "comment" for e in r.json()["history"])


async def test_preview_follows_the_channels_and_the_language(client):
    number = await _ticket(client, phone="+381641112223")  # Serbian, SMS only
    vod = bearer(await login(client, "vod1"))
    r = await client.post(f"/api/tickets/{number}/notifications/preview", headers=vod,
                          json={"comment": "Поправљено", "to": "resolved"})
    got = r.json()
    assert got["language"] == "sr" and got["email"] is None
    assert got["sms"].startswith("Град Нови Сад") and "Поправљено" in got["sms"]
    bare = await _ticket(client)
    r = await client.post(f"/api/tickets/{bare}/notifications/preview", headers=vod,
                          json={"comment": "Поправљено", "to": "resolved"})
    assert r.json()["outcome"] == "no_contact" and r.json()["sms"] is None
    r = await client.post(f"/api/tickets/{number}/notifications/preview", headers=vod,
                          json={"comment": "", "to": "active"})  # not a status told
    assert r.json()["outcome"] == "not_notified"


async def test_preview_refuses_as_saving_would(client):
    number = await _ticket(client, phone="+381641112223")
    path = f"/api/tickets/{number}/notifications/preview"
    r = await client.post(path, json={"comment": "x"})
    assert r.status_code == 401
    vod = bearer(await login(client, "vod1"))
    for body, status, code in [
            ({"to": "resolved"}, 422, "request.invalid"),
            ({"comment": "x" * 4001}, 422, "request.invalid"),
            ({"comment": "x", "to": "nonsense"}, 422, "request.invalid"),
            ({"comment": "x", "to": "merged"}, 409, "ticket.illegal_transition"),
            ({"comment": "x", "to": "closed"}, 409, "ticket.illegal_transition")]:
        r = await client.post(path, headers=vod, json=body)
        assert (r.status_code, r.json()["error"]) == (status, code), (body, r.text)
    await client.post(f"/api/tickets/{number}/status", headers=vod, json={"to": "resolved"})
    # department staff may not close a resolved ticket: the wrong role for the step
    r = await client.post(path, headers=vod, json={"comment": "x", "to": "closed"})
    assert r.status_code == 403 and r.json()["error"] == "ticket.forbidden"
    cis = bearer(await login(client, "cis1"))  # another department: no such ticket
    r = await client.post(path, headers=cis, json={"comment": "x"})
    assert r.status_code == 404 and r.json()["error"] == "ticket.not_found"
