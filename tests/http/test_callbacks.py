"""Callback requests (left outside hours or while waiting) are listed for the
agents, oldest first on the desktop, and the desktop has the section."""

from __future__ import annotations

from http_helpers import bearer, login

from tickets.domain import Actor


async def test_agents_see_open_callback_requests(client, web_app):
    from kontakt.http import sources

    tickets = sources.tickets(web_app.state.web)
    engine = Actor("engine", "admin")
    first = await tickets.open_ticket(engine, kind="callback", subject="callback request",
                                      phone="+381214001001")
    await tickets.open_ticket(engine, kind="complaint", subject="not a callback",
                              phone="+381214001002", department="vodovod")
    token = await login(client, "agent01")
    r = await client.get("/api/tickets?kind=callback&status=new", headers=bearer(token))
    assert r.status_code == 200, r.text
    numbers = [t["number"] for t in r.json()["tickets"]]
    assert numbers == [first["number"]]
    page = await client.get("/agent", headers=bearer(token))
    assert page.status_code == 200 and 'id="callbacks"' in page.text
