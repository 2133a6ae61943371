"""A ticket's e-mail attachments through the API: listed and downloaded by
its department and the operators, hidden (404) from other departments."""

from __future__ import annotations

from http_helpers import bearer, login

from kontakt.channels.store import Attachment, ChannelLog, Direction, Fate
from tickets.domain import Actor


async def test_department_lists_and_downloads_its_tickets_attachments(client, web_app):
    web = web_app.state.web
    ticket = await web.ctx.tickets.open_ticket(
        Actor("op1", "agent"), kind="complaint", subject="Канта", department="vodovod",
        email="a@b.rs")
    log = ChannelLog(web.ctx.sessionmaker)
    await log.record("email", Direction.IN, Fate.ACCEPTED, "a@b.rs", "слика",
                     ticket_number=ticket["number"],
                     attachments=(Attachment("цев 1.png", "image/png", b"\x89PNG data"),))
    vod = bearer(await login(client, "vod1"))
    r = await client.get(f"/api/tickets/{ticket['number']}/attachments", headers=vod)
    assert r.status_code == 200, r.text
    [a] = r.json()["attachments"]
    assert (a["filename"], a["content_type"], a["size"]) == ("цев 1.png", "image/png", 9)
    r = await client.get(f"/api/tickets/{ticket['number']}/attachments/{a['id']}", headers=vod)
    assert r.status_code == 200 and r.content == b"\x89PNG data"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["content-type"] == "application/octet-stream"
    assert (await client.get(f"/api/tickets/{ticket['number']}/attachments/999999",
                             headers=vod)).status_code == 404
    other = bearer(await login(client, "cis1"))
    for path in ("attachments", f"attachments/{a['id']}"):
        r = await client.get(f"/api/tickets/{ticket['number']}/{path}", headers=other)
        assert r.status_code == 404
