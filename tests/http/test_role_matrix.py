"""Every endpoint x every role: anonymous callers get 401, roles that may not
get 403 (and nothing changes), roles that may get through the role check.
The matrix is written out here, not read from the code, so a change of
who-may-what shows up as a failing test to update on purpose."""

from __future__ import annotations

from typing import Any

import pytest
from http_helpers import bearer, login

from kontakt.http.api import OPS

A, D, S, M = "agent", "department", "supervisor", "admin"
ALL = {A, D, S, M}
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("POST", "/api/logout"): ALL,
    ("GET", "/api/me"): ALL,
    ("GET", "/api/throttles"): {M},
    ("POST", "/api/throttles/clear"): {M},
    ("POST", "/api/me/lang"): ALL,
    ("GET", "/api/agents"): {S, M},
    ("GET", "/api/agents/me"): {A},
    ("POST", "/api/agents/me/login"): {A},
    ("POST", "/api/agents/me/pause"): {A},
    ("POST", "/api/agents/me/ready"): {A},
    ("POST", "/api/agents/me/logout"): {A},
    ("GET", "/api/calls"): {S, M},
    ("POST", "/api/agents/{agent}/pause"): {S, M},
    ("POST", "/api/agents/{agent}/ready"): {S, M},
    ("POST", "/api/agents/{agent}/logout"): {S, M},
    ("GET", "/api/export/tickets.csv"): {S, M},
    ("GET", "/api/export/calls.csv"): {S, M},
    ("POST", "/api/calls/transfer"): {A},
    ("GET", "/api/tickets"): ALL,
    ("GET", "/api/queue"): ALL,
    ("POST", "/api/tickets"): {A, S},
    ("GET", "/api/tickets/{number}"): ALL,
    ("GET", "/api/tickets/{number}/history"): ALL,
    ("POST", "/api/tickets/{number}/status"): ALL,
    ("POST", "/api/tickets/{number}/comments"): ALL,
    ("POST", "/api/tickets/{number}/assign"): {D, S},
    ("POST", "/api/tickets/{number}/forward"): {A, S},
    ("GET", "/api/tickets/returned"): {A, S, M},
    ("GET", "/api/tickets/similar"): {A, S, M},
    ("POST", "/api/tickets/{number}/return"): {D, S},
    ("POST", "/api/tickets/{number}/merge"): {A, S},
    ("GET", "/api/stats/followup"): {D, S, M},
    ("GET", "/api/stats/staffing"): {S, M},
    ("GET", "/api/departments"): ALL,
    ("GET", "/api/departments/{department}/staff"): {D, S, M},
    ("GET", "/api/users"): {M},
    ("POST", "/api/users"): {M},
    ("POST", "/api/users/{username}/update"): {M},
    ("POST", "/api/users/{username}/deactivate"): {M},
    ("POST", "/api/users/{username}/reset-password"): {M},
    ("GET", "/api/config"): {S, M},
    ("POST", "/api/config/validate"): {M},
    ("POST", "/api/config/apply"): {M},
    ("POST", "/api/config/check"): {M},
    ("GET", "/api/config/versions"): {M},
    ("POST", "/api/config/rollback"): {M},
    ("GET", "/api/stats/today"): {S, M},
    ("GET", "/api/stats/history"): {S, M},
    ("GET", "/api/audit"): {M},
    ("GET", "/api/audit/export"): {M},
    ("POST", "/api/citizens/export"): {M},
    ("POST", "/api/citizens/erase"): {M},
    ("POST", "/api/retention/run"): {M},
    ("GET", "/api/chats"): {S, M},
    ("GET", "/api/chats/mine"): {A},
    ("GET", "/api/chats/{conversation}"): {A, S, M},
    ("POST", "/api/chats/{conversation}/messages"): {A},
    ("POST", "/api/chats/{conversation}/ticket"): {A},
    ("POST", "/api/chats/{conversation}/forward"): {A},
    ("POST", "/api/chats/{conversation}/end"): {A},
    ("GET", "/api/tickets/{number}/conversations"): ALL,
    # who may read the ticket (checked per ticket inside; department staff only if shared)
    ("GET", "/api/tickets/{number}/attachments"): ALL,
    ("GET", "/api/tickets/{number}/attachments/{attachment}"): ALL,
    ("GET", "/api/tickets/{number}/recordings"): ALL,
    ("GET", "/api/recordings/{uniqueid}"): ALL,
    ("POST", "/api/recordings/{uniqueid}/share"): {S},
    ("POST", "/api/supervise"): {S},
    # the citizen's SMS/e-mail of a ticket (department staff: their department's only)
    ("GET", "/api/tickets/{number}/notifications"): {A, D, S},
    ("POST", "/api/tickets/{number}/notifications/{notification}/retry"): {A, D, S},
    ("GET", "/api/notifications/stuck"): {S},
    # what a comment would tell the citizen: who may comment (nothing is sent)
    ("POST", "/api/tickets/{number}/notifications/preview"): ALL,
}
USER_OF = {A: "agent01", D: "vod1", S: "sup", M: "adm"}
PUBLIC = {("POST", "/api/login"), ("POST", "/api/token"), ("POST", "/api/lookup"),
          # web chat: the citizen has no account (kontakt.http.chat_api)
          ("POST", "/api/chat"), ("GET", "/api/chat/me"), ("POST", "/api/chat/me/messages"),
          ("POST", "/api/chat/me/fallback"), ("POST", "/api/chat/me/end"),
          ("GET", "/api/chat/me/events")}


def test_matrix_covers_every_operation():
    declared = {(op.method, op.path) for op in OPS} - PUBLIC
    assert declared == set(EXPECTED)
    for op in OPS:
        if (op.method, op.path) in EXPECTED:
            assert op.roles == EXPECTED[(op.method, op.path)], op.path


def _example(schema: dict[str, Any], role: str) -> Any:
    t = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if t == "object":
        props = schema.get("properties", {})
        return {k: _field(k, props[k], role) for k in schema.get("required", [])}
    if t == "integer":
        return schema.get("minimum", 1)
    if t == "boolean":
        return True
    return "x" * max(1, schema.get("minLength", 1))


def _field(name: str, schema: dict[str, Any], role: str) -> Any:
    return {"department": "vodovod", "assignee": "vod2", "password": "correct-horse-2",
            "username": f"new{role[:3]}", "text": "ok"}.get(name) or _example(schema, role)


async def _call(client, op, role: str | None, number: str, headers: dict[str, Any]) -> Any:
    path = op.path.replace("{number}", number).replace("{department}", "vodovod")
    kw: dict[str, Any] = {"headers": headers}
    if op.body is not None:
        kw["json"] = _example(op.body, role or "anon")
    elif op.method != "GET":
        kw["json"] = {}  # state changes are JSON, even with nothing to say
    return await client.request(op.method, path, **kw)


@pytest.mark.parametrize("role", [None, A, D, S, M])
async def test_role_matrix(client, role):
    token = await login(client, "agent01")
    r = await client.post("/api/tickets", headers=bearer(token), json={
        "kind": "complaint", "department": "vodovod", "subject": "Пукла цев"})
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    seen = {}
    headers = bearer(await login(client, USER_OF[role])) if role else {}
    client.cookies.clear()
    for op in OPS:
        key = (op.method, op.path)
        if key in PUBLIC or key == ("POST", "/api/logout"):
            continue
        r = await _call(client, op, role, number, headers)
        seen[key] = r.status_code
        assert r.status_code != 500, (key, r.text)
        if role is None:
            assert r.status_code == 401, (key, r.text)
        elif role in EXPECTED[key]:
            assert r.status_code not in (401, 403), (role, key, r.text)
        else:
            assert r.status_code == 403, (role, key, r.text)
            assert r.json()["error"] == "auth.forbidden"
    assert seen


async def test_department_staff_see_only_their_department(client):
    agent = bearer(await login(client, "agent01"))
    nums = {}
    for dep in ("vodovod", "cistoca"):
        r = await client.post("/api/tickets", headers=agent, json={
            "kind": "request", "department": dep, "subject": f"s-{dep}"})
        nums[dep] = r.json()["number"]
    vod = bearer(await login(client, "vod1"))
    client.cookies.clear()
    r = await client.get("/api/tickets", headers=vod)
    assert {t["department"] for t in r.json()["tickets"]} == {"vodovod"}
    r = await client.get("/api/tickets", headers=vod, params={"department": "cistoca"})
    assert r.status_code == 403
    for path in ("", "/history"):  # another department's ticket does not exist for them
        r = await client.get(f"/api/tickets/{nums['cistoca']}{path}", headers=vod)
        assert r.status_code == 404 and r.json()["error"] == "ticket.not_found"
    r = await client.post(f"/api/tickets/{nums['cistoca']}/status", headers=vod,
                          json={"to": "resolved", "comment": "not mine"})
    assert r.status_code == 404
    r = await client.get("/api/departments/cistoca/staff", headers=vod)
    assert r.status_code == 403
    r = await client.post(f"/api/tickets/{nums['vodovod']}/assign", headers=vod,
                          json={"assignee": "cis1"})
    assert r.status_code == 422 and r.json()["error"] == "ticket.assignee_not_colleague"
    r = await client.post(f"/api/tickets/{nums['vodovod']}/assign", headers=vod,
                          json={"assignee": "vod2"})
    assert r.status_code == 200 and r.json()["assignee"] == "vod2"


async def test_department_check_holds_even_if_the_service_forgot(client, web_app):
    from http_fakes import FakeTickets

    careless = FakeTickets()  # a service that forgot to check the department
    careless._check = lambda actor, t: None
    web_app.state.web.ctx.tickets = careless
    agent = bearer(await login(client, "agent01"))
    r = await client.post("/api/tickets", headers=agent, json={
        "kind": "request", "department": "cistoca", "subject": "s"})
    number = r.json()["number"]
    vod = bearer(await login(client, "vod1"))
    client.cookies.clear()
    for method, path, body in [("GET", "", None), ("GET", "/history", None),
                               ("POST", "/status", {"to": "resolved"}),
                               ("POST", "/comments", {"text": "x"}),
                               ("POST", "/assign", {"assignee": "vod2"})]:
        r = await client.request(method, f"/api/tickets/{number}{path}", headers=vod, json=body)
        assert r.status_code == 404 and r.json()["error"] == "ticket.not_found", path
    assert careless.tickets[number]["status"] == "forwarded"
