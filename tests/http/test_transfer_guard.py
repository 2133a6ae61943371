"""POST /api/calls/transfer sends away only the call the operator talks to:
not one still ringing at her phone, not a later one when she names hers."""

from __future__ import annotations

from http_helpers import bearer, login

BODY = {"kind": "request", "department": "vodovod", "subject": "Нема воде"}


def _on_call(web_app, state: str, uid: str = "1700000000.7") -> None:
    engine = web_app.state.web.ctx.engine
    engine.agents["agent01"].update(state=state, call={
        "uniqueid": uid, "caller": "0641234567", "language": "sr",
        "channel": f"PJSIP/trunk-{uid}", "wait": 1.0})


async def _tickets(client, headers) -> list:
    r = await client.get("/api/tickets", headers=headers)
    return r.json()["tickets"]


async def test_a_call_still_ringing_is_not_transferred(client, web_app):
    a1 = bearer(await login(client, "agent01"))
    _on_call(web_app, "ringing")
    r = await client.post("/api/calls/transfer", headers=a1, json=BODY)
    assert r.status_code == 409, r.text
    assert r.json()["error"] == "call.no_call" and r.json()["details"]["state"] == "ringing"
    assert await _tickets(client, a1) == []


async def test_a_transfer_naming_an_ended_call_sends_nobody_away(client, web_app):
    a1 = bearer(await login(client, "agent01"))
    _on_call(web_app, "talking", uid="1700000000.9")  # the next citizen, not hers
    r = await client.post("/api/calls/transfer", headers=a1,
                          json={**BODY, "call": "1700000000.7"})
    assert r.status_code == 409, r.text
    assert r.json()["error"] == "call.not_current"
    assert r.json()["details"] == {"agent": "agent01", "call": "1700000000.7",
                                   "current": "1700000000.9"}
    assert await _tickets(client, a1) == []


async def test_the_call_she_talks_to_is_transferred_with_its_ticket(client, web_app):
    a1 = bearer(await login(client, "agent01"))
    _on_call(web_app, "talking")
    r = await client.post("/api/calls/transfer", headers=a1,
                          json={**BODY, "call": "1700000000.7"})
    assert r.status_code == 200, r.text
    assert r.json()["department"] == "vodovod" and "transfer" in r.json()
