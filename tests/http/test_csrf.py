"""Cross-site request forgery: state-changing API requests must be JSON
(415 otherwise) from this service's own origin or a configured one (403
otherwise).  Every content type a cross-site form or "simple" fetch can
send, and every way of naming (or hiding) the origin."""

from __future__ import annotations

import httpx
from http_helpers import PASSWORD, bearer, browser_login, login

from kontakt.http.app import create_app
from kontakt.http.context import HttpContext
from kontakt.http.door import Door, origin_of
from kontakt.settings import Settings
from tickets.service import TicketService

OWN = "http://testserver"
EVIL = "https://evil.example"
BODY = b'{"text": "hello"}'


async def _ticket(client) -> str:
    r = await client.post("/api/tickets", headers=bearer(await login(client, "agent01")),
                          json={"kind": "request", "department": "vodovod", "subject": "s"})
    assert r.status_code == 201, r.text
    return r.json()["number"]


CONTENT_TYPES = [
    "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain",
    None, "application/json; charset=latin-1", "application/jsonx", "text/json",
    "application/json-patch+json", "application/csp-report",
]


async def test_state_changes_that_are_not_json_get_415(client):
    number = await _ticket(client)
    await browser_login(client, "sup")
    for ctype in CONTENT_TYPES:
        headers = {"content-type": ctype} if ctype else {}
        r = await client.post(f"/api/tickets/{number}/comments", content=BODY, headers=headers)
        assert r.status_code == 415, (ctype, r.text)
        assert r.json()["error"] == "request.unsupported_media_type"
        # Every kind of state change, logged in or not: the cookie changes nothing.
        for path in ("/api/logout", "/api/login", "/api/token", "/api/me/lang"):
            r = await client.post(path, content=BODY, headers=headers)
            assert r.status_code == 415, (ctype, path, r.text)
    print(f"content types refused: {len(CONTENT_TYPES)} x 5 operations")
    history = await client.get(f"/api/tickets/{number}/history")
    assert not [e for e in history.json()["history"] if e["action"] == "comment"]


async def test_json_with_utf8_charset_is_taken(client):
    number = await _ticket(client)
    await browser_login(client, "sup")
    r = await client.post(f"/api/tickets/{number}/comments", content=BODY,
                          headers={"content-type": "application/json; charset=UTF-8"})
    assert r.status_code == 200, r.text


ORIGINS = [
    ({"Origin": OWN}, 200),
    ({"Origin": OWN + ":80"}, 200),  # the default port is the same origin
    ({"Origin": EVIL}, 403),
    ({"Origin": "null"}, 403),  # sandboxed frames, file: pages
    ({"Origin": "http://testserver.evil.example"}, 403),
    ({"Origin": "http://testserver:8080"}, 403),
    ({"Origin": "https://testserver"}, 403),  # another scheme is another origin
    ({"Referer": OWN + "/department"}, 200),  # no Origin: the Referer speaks
    ({"Referer": EVIL + "/page"}, 403),
    ({"Referer": "not a url"}, 403),
    ({}, 403),  # the cookie alone proves nothing
    ({"Origin": EVIL, "Referer": OWN + "/department"}, 403),  # Origin wins
]


async def test_cookie_requests_must_come_from_our_own_origin(client):
    number = await _ticket(client)
    await browser_login(client, "sup")
    client.headers.pop("Origin", None)
    for headers, status in ORIGINS:
        r = await client.post(f"/api/tickets/{number}/comments", json={"text": "x"},
                              headers=headers)
        assert r.status_code == status, (headers, r.text)
        if status == 403:
            assert r.json()["error"] == "request.cross_origin"


async def test_api_clients_with_a_bearer_token_need_no_origin(client):
    number = await _ticket(client)
    token = await login(client, "sup")
    client.headers.pop("Origin", None)
    r = await client.post(f"/api/tickets/{number}/comments", json={"text": "x"},
                          headers=bearer(token))
    assert r.status_code == 200, r.text
    r = await client.post("/api/token", json={"username": "sup", "password": PASSWORD})
    assert r.status_code == 200  # sets no cookie: nothing a forger could use
    r = await client.post("/api/login", json={"username": "sup", "password": PASSWORD})
    assert r.status_code == 403  # sets the cookie: a browser must say where it comes from
    # A forged cross-site request with a bearer token is still checked by Origin.
    r = await client.post(f"/api/tickets/{number}/comments", json={"text": "x"},
                          headers={**bearer(token), "Origin": EVIL})
    assert r.status_code == 403


async def test_reads_are_not_refused(client):
    await browser_login(client, "sup")
    client.headers.pop("Origin", None)
    assert (await client.get("/api/me", headers={"Origin": EVIL})).status_code == 200
    assert (await client.get("/api/tickets")).status_code == 200


async def test_configured_origins_are_accepted(sessionmaker, config_holder, web_app):
    settings = Settings(http_allowed_origins=("https://kontakt.novisad.rs",))
    ctx = HttpContext(sessionmaker=sessionmaker, tickets=TicketService(sessionmaker),
                      settings=settings, config_holder=config_holder)
    app = create_app(ctx)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://127.0.0.1:8021") as c:
        for origin, status in (("https://kontakt.novisad.rs", 200),
                               ("https://kontakt.novisad.rs:443", 200),
                               ("http://kontakt.novisad.rs", 403),
                               ("http://127.0.0.1:8021", 200), (EVIL, 403)):
            r = await c.post("/api/login", headers={"Origin": origin},
                             json={"username": "sup", "password": PASSWORD})
            assert r.status_code == status, (origin, r.text)


async def test_open311_stays_form_encoded_and_open_to_other_sites(client):
    """GeoReport v2 is form-encoded by its standard and used by other sites'
    civic apps; it carries no credentials, so there is nothing to forge."""
    client.headers.pop("Origin", None)
    r = await client.post("/open311/v2/requests.json", headers={"Origin": EVIL},
                          data={"service_code": "vodovod", "description": "Пукла цев",
                                "address_string": "Булевар ослобођења 1"})
    assert r.status_code == 201, r.text


def test_origin_of_normalises_and_refuses():
    assert origin_of("HTTP://Kontakt.NoviSad.rs:80/x?y") == "http://kontakt.novisad.rs"
    assert origin_of("https://a.rs:8443") == "https://a.rs:8443"
    assert origin_of("http://[::1]:8021/") == "http://[::1]:8021"
    for bad in ("null", "", "javascript:alert(1)", "file:///etc/passwd", "http://", "//a.rs",
                "http://a.rs:99999"):
        assert origin_of(bad) is None, bad


def test_own_origin_behind_a_trusted_proxy_only():
    door = Door.from_settings(Settings(http_trusted_proxies=("10.0.0.1",)))
    headers = [(b"host", b"127.0.0.1:8021"), (b"x-forwarded-host", b"kontakt.novisad.rs"),
               (b"x-forwarded-proto", b"https")]
    proxied = {"client": ("10.0.0.1", 5000), "scheme": "http", "headers": headers}
    assert door.own_origin(proxied) == "https://kontakt.novisad.rs"
    direct = {**proxied, "client": ("10.9.9.9", 5000)}
    assert door.own_origin(direct) == "http://127.0.0.1:8021"
