"""Pages per role and language, Open311 GeoReport v2, /metrics, the hub."""

from __future__ import annotations

import pytest
from http_helpers import bearer, browser_login, login

from kontakt.http.hub import Hub, visible
from kontakt.http.users import User

PAGES = {"/agent": "agent01", "/department": "vod1", "/wallboard": "sup", "/admin": "adm"}


@pytest.mark.parametrize("lang,word", [("sr-Cyrl", "Одјава"), ("sr-Latn", "Odjava"),
                                       ("en", "Log out")])
async def test_pages_render_for_their_role_in_each_language(client, lang, word):
    for path, user in PAGES.items():
        client.cookies.clear()
        r = await client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        await browser_login(client, user)
        r = await client.get(path, params={"lang": lang})
        assert r.status_code == 200, path
        assert word in r.text
        other = "/admin" if path != "/admin" else "/department"
        assert (await client.get(other)).status_code == 403


async def test_root_sends_each_role_home(client):
    assert (await client.get("/")).headers["location"] == "/login"
    await browser_login(client, "vod1")
    assert (await client.get("/")).headers["location"] == "/department"


async def test_open311_submit_and_look_up(client):
    services = (await client.get("/open311/v2/services.json")).json()
    assert {"vodovod", "cistoca"} <= {s["service_code"] for s in services}
    r = await client.post("/open311/v2/requests.json", data={
        "service_code": "vodovod", "description": "Curi voda\nna uglu",
        "lat": "45.2551", "long": "19.8452", "email": "a@b.rs"})
    assert r.status_code == 201, r.text
    number = r.json()[0]["service_request_id"]
    one = (await client.get(f"/open311/v2/requests/{number}.json")).json()[0]
    assert one["status"] == "open" and one["service_code"] == "vodovod"
    assert one["description"].startswith("Curi voda")
    listed = (await client.get("/open311/v2/requests.json",
                               params={"service_request_id": number})).json()
    assert [x["service_request_id"] for x in listed] == [number]
    # the department resolves it: the citizen sees "closed"
    vod = bearer(await login(client, "vod1"))
    r = await client.post(f"/api/tickets/{number}/status", headers=vod,
                          json={"to": "resolved", "comment": "поправљено"})
    assert r.status_code == 200
    one = (await client.get(f"/open311/v2/requests/{number}.json")).json()[0]
    assert one["status"] == "closed" and one["status_notes"] == "resolved"


@pytest.mark.parametrize("form,status", [
    ({"service_code": "nope", "description": "x", "lat": "1", "long": "1"}, 404),
    ({"service_code": "vodovod", "description": " ", "lat": "1", "long": "1"}, 400),
    ({"service_code": "vodovod", "description": "x"}, 400),
    ({"service_code": "vodovod", "description": "x", "lat": "north", "long": "1"}, 400),
])
async def test_open311_bad_requests_get_georeport_errors(client, form, status):
    r = await client.post("/open311/v2/requests.json", data=form)
    assert r.status_code == status
    assert r.json()[0]["code"] == status and r.json()[0]["description"]
    assert (await client.get("/open311/v2/requests/9999-1.json")).status_code == 404
    assert (await client.get("/open311/v2/requests/a b.json")).status_code == 400


async def test_metrics_show_queue_agents_tickets(client, web_app):
    engine = web_app.state.web.ctx.engine
    engine.waiting.append({"uniqueid": "1.1", "caller": "+381", "language": "sr",
                           "position": 1, "since": "", "wait": 12.5})
    engine.stats.update(answered=7, abandoned=1)
    await client.post("/api/tickets", headers=bearer(await login(client, "agent01")),
                      json={"kind": "request", "department": "vodovod", "subject": "s"})
    text = (await client.get("/metrics")).text
    assert "kontakt_calls_waiting 1.0" in text
    assert "kontakt_longest_wait_seconds 12.5" in text
    assert 'kontakt_calls_today{outcome="answered"} 7.0' in text
    assert 'kontakt_agents{state="logged_out"} 3.0' in text
    assert 'kontakt_tickets{department="vodovod",status="forwarded"} 1.0' in text


def _u(role, dep=None, agent=None):
    return User(1, "u", role, dep, agent, "", "sr-Cyrl")


def test_hub_catch_up_and_role_filter():
    hub = Hub(size=3)
    for i in range(5):
        hub.publish(f"kontakt/agents/agent0{i}", {"type": "agent.state", "agent": f"agent0{i}"})
    assert [s for s, _, _ in hub.since(0)] == [3, 4, 5]  # the ring keeps the last 3
    assert [s for s, _, _ in hub.since(4)] == [5]
    assert [s for s, _, _ in hub.since(99)] == [3, 4, 5]  # restarted server: start over
    t = ("kontakt/tickets/vodovod/2025-1", {"type": "ticket.status", "number": "2025-1",
                                            "status": "resolved", "description": "secret"})
    assert visible(_u("department", "vodovod"), *t, "kontakt")["description"] == "secret"
    assert visible(_u("department", "cistoca"), *t, "kontakt") is None
    assert "description" not in visible(_u("agent", agent="agent01"), *t, "kontakt")
    a = ("kontakt/agents/agent02", {"type": "agent.state", "agent": "agent02"})
    assert visible(_u("agent", agent="agent01"), *a, "kontakt") is None
    assert visible(_u("agent", agent="agent02"), *a, "kontakt") is not None
    assert visible(_u("department", "vodovod"), *a, "kontakt") is None
    assert visible(_u("supervisor"), *a, "kontakt") is not None


async def test_security_headers(client):
    r = await client.get("/login")
    assert r.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_without_ticket_service_tickets_say_503_and_the_rest_works(sessionmaker):
    import httpx

    from kontakt.http.app import create_app
    from kontakt.http.context import HttpContext
    from kontakt.http.users import add_user
    from kontakt.settings import Settings

    await add_user(sessionmaker, "sup", "correct-horse-1", "supervisor")
    app = create_app(HttpContext(sessionmaker=sessionmaker, tickets=None, settings=Settings()))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://t", headers={"Origin": "http://t"}) as c:
        await browser_login(c, "sup")
        r = await c.get("/api/tickets")
        assert r.status_code == 503 and r.json()["error"] == "tickets.unavailable"
        assert (await c.get("/api/stats/today")).json()["tickets"] == {}
        assert (await c.get("/metrics")).status_code == 200
        r = await c.get("/open311/v2/requests/1.json")
        assert r.status_code == 503 and r.json()[0]["code"] == 503


async def test_admin_reads_validates_and_applies_the_configuration(client, config_holder):
    adm = bearer(await login(client, "adm"))
    cfg = (await client.get("/api/config", headers=adm)).json()
    assert "departments:" in cfg["text"] and cfg["version"] == 1
    r = await client.post("/api/config/validate", headers=adm, json={"text": "hours: [\n"})
    body = r.json()
    assert r.status_code == 200 and body["valid"] is False
    assert body["problems"][0]["line"] >= 1 and body["problems"][0]["message"]
    r = await client.post("/api/config/apply", headers=adm, json={"text": "hours: [\n"})
    assert r.status_code == 422 and r.json()["error"] == "config.invalid"
    assert config_holder.version == 1  # the bad text changed nothing
    r = await client.post("/api/config/apply", headers=adm, json={"text": cfg["text"]})
    assert r.status_code == 200 and r.json()["version"] == 2
    sup = bearer(await login(client, "sup"))
    assert (await client.post("/api/config/apply", headers=sup,
                              json={"text": cfg["text"]})).status_code == 403
