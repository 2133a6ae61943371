"""Least privilege for citizens' personal data, and the append-only audit
log of every read and export."""

from __future__ import annotations

import pytest
import sqlalchemy.exc
from http_helpers import PASSWORD, bearer, login
from sqlalchemy import text

from kontakt.http.users import add_user
from kontakt.privacy.visibility import mask_email, mask_name, mask_phone
from tickets.domain import Actor

PHONE, EMAIL, NAME = "+381641234567", "marko.petrovic@example.rs", "Марко Петровић"


def test_masks():
    assert mask_phone(PHONE) == "+381•••••••67"
    assert mask_phone("0214001001") == "••••••••01"
    assert mask_email(EMAIL) == "m•••@•••.rs"
    assert mask_name(NAME) == "М. П."
    assert mask_phone(None) is None and mask_email("") == ""


async def _ticket(web_app, by="sup", role="supervisor", department="vodovod", **kw):
    tickets = web_app.state.web.ctx.tickets
    return await tickets.open_ticket(Actor(by, role), kind=kw.pop("kind", "complaint"),
                                     subject="Пукла цев", description="у дворишту",
                                     department=department, phone=PHONE, email=EMAIL,
                                     name=NAME, address="Булевар ослобођења 1", **kw)


async def _audit(client, **params):
    r = await client.get("/api/audit", headers=bearer(await login(client, "adm")),
                         params=params)
    assert r.status_code == 200, r.text
    return [e for e in r.json()["entries"] if e["action"].startswith("ticket.")]


async def test_an_operator_sees_personal_data_only_where_she_handles_it(client, web_app,
                                                                      sessionmaker):
    await add_user(sessionmaker, "agent02", PASSWORD, "agent", agent_id="agent02")
    theirs = await _ticket(web_app)  # opened by the supervisor
    mine = await _ticket(web_app, by="agent01", role="agent")
    a1 = bearer(await login(client, "agent01"))
    found = {t["number"]: t for t in (await client.get("/api/tickets", headers=a1)).json()[
        "tickets"]}
    assert found[mine["number"]]["phone"] == PHONE
    assert found[mine["number"]]["shown_because"] == "handler"
    other = found[theirs["number"]]
    assert other["personal_data"] == "masked"
    assert (other["phone"], other["email"], other["name"], other["address"]) == (
        "+381•••••••67", "m•••@•••.rs", "М. П.", "•••")
    r = await client.get(f"/api/tickets/{theirs['number']}", headers=a1)
    assert r.json()["personal_data"] == "masked"
    # With a stated reason she sees it, and the audit log says who, which and why.
    r = await client.get(f"/api/tickets/{theirs['number']}", headers=a1,
                         params={"reason": "the citizen called back about it"})
    assert r.status_code == 200 and r.json()["phone"] == PHONE
    r = await client.get(f"/api/tickets/{theirs['number']}", headers=a1, params={"reason": "x"})
    assert r.status_code == 422  # a reason is words, not a keystroke
    entries = await _audit(client, ticket=theirs["number"], actor="agent01")
    assert [(e["action"], e["reason"]) for e in entries] == [
        ("ticket.read", "the citizen called back about it")]
    assert entries[0]["details"]["fields"] == ["address", "email", "name", "phone"]
    assert entries[0]["client"] == "127.0.0.1" and entries[0]["at"]
    # Another operator sees the first one's ticket masked.
    a2 = bearer(await login(client, "agent02"))
    r = await client.get(f"/api/tickets/{mine['number']}", headers=a2)
    assert r.json()["personal_data"] == "masked"


async def test_callbacks_and_the_live_call_show_the_number(client, web_app):
    callback = await _ticket(web_app, by="engine", role="admin", department=None,
                             kind="callback")
    a1 = bearer(await login(client, "agent01"))
    r = await client.get("/api/tickets", headers=a1, params={"kind": "callback"})
    assert r.json()["tickets"][0]["phone"] == PHONE  # operators call them back
    earlier = await _ticket(web_app)
    r = await client.get(f"/api/tickets/{earlier['number']}", headers=a1)
    assert r.json()["personal_data"] == "masked"
    engine = web_app.state.web.ctx.engine
    engine.agents["agent01"]["call"] = {"uniqueid": "1.1", "caller": "0641234567"}
    r = await client.get(f"/api/tickets/{earlier['number']}", headers=a1)
    assert r.json()["phone"] == PHONE and r.json()["shown_because"] == "live_call"
    assert {e["ticket_number"] for e in await _audit(client, actor="agent01")} == {
        callback["number"], earlier["number"]}


async def test_department_staff_get_404_for_another_departments_ticket(client, web_app):
    ours, theirs = await _ticket(web_app), await _ticket(web_app, department="cistoca")
    vod = bearer(await login(client, "vod1"))
    r = await client.get(f"/api/tickets/{ours['number']}", headers=vod)
    assert r.json()["phone"] == PHONE and r.json()["shown_because"] == "department"
    nobody = await client.get("/api/tickets/NS-2020-999999", headers=vod)
    for method, path, body in [("GET", "", None), ("GET", "/history", None),
                               ("POST", "/status", {"to": "resolved"}),
                               ("POST", "/comments", {"text": "x"}),
                               ("POST", "/assign", {"assignee": "vod2"})]:
        r = await client.request(method, f"/api/tickets/{theirs['number']}{path}", headers=vod,
                                 json=body)
        assert r.status_code == 404 and r.json()["error"] == "ticket.not_found", path
        assert r.json()["message"].replace(theirs["number"], "N") == \
            nobody.json()["message"].replace("NS-2020-999999", "N")  # nothing tells them apart
    sup = bearer(await login(client, "sup"))
    r = await client.get(f"/api/tickets/{theirs['number']}", headers=sup)
    assert r.json()["phone"] == PHONE and r.json()["shown_because"] == "role"


async def test_reads_in_lists_are_logged_once_per_quarter_hour(client, web_app):
    t = await _ticket(web_app)
    vod = bearer(await login(client, "vod1"))
    for _ in range(3):  # an inbox refreshed on every change
        assert (await client.get("/api/tickets", headers=vod)).status_code == 200
    entries = await _audit(client, actor="vod1")
    assert [(e["action"], e["ticket_number"]) for e in entries] == [("ticket.list", t["number"])]
    for _ in range(2):  # opening the ticket is written every time
        await client.get(f"/api/tickets/{t['number']}", headers=vod)
    assert [e["action"] for e in await _audit(client, actor="vod1")] == [
        "ticket.list", "ticket.read", "ticket.read"]


async def test_the_audit_log_is_the_administrators_and_append_only(client, web_app,
                                                                  sessionmaker):
    t = await _ticket(web_app)
    await client.get(f"/api/tickets/{t['number']}", headers=bearer(await login(client, "sup")))
    for user in ("agent01", "vod1", "sup"):
        r = await client.get("/api/audit", headers=bearer(await login(client, user)))
        assert r.status_code == 403
    adm = bearer(await login(client, "adm"))
    r = await client.get("/api/audit/export", headers=adm)
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert any(e["ticket_number"] == t["number"] for e in r.json()["entries"])
    r = await client.get("/api/audit", headers=adm, params={"action": "audit.export"})
    assert [e["actor"] for e in r.json()["entries"]] == ["adm"]  # the export is logged too
    async with sessionmaker() as s:
        for sql in ("UPDATE audit_log SET reason = 'nothing happened'",
                    "DELETE FROM audit_log"):
            with pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"):
                async with s.begin():
                    await s.execute(text(sql))
    r = await client.get("/api/audit", headers=adm, params={"since": "yesterday"})
    assert r.status_code == 422
