"""Response hygiene: nothing cached, the token only in the cookie, error
bodies in our own words, CSP with base-uri and form-action, Secure cookies
and HSTS when served over HTTPS (directly, by setting, or behind a trusted
proxy that says so)."""

from __future__ import annotations

import httpx
import sqlalchemy.exc
from http_fakes import FakeTickets
from http_helpers import PASSWORD, bearer, login

from kontakt.http.app import create_app
from kontakt.http.context import HttpContext
from kontakt.settings import Settings


async def test_no_store_everywhere_but_static_files(client):
    h = bearer(await login(client, "sup"))
    for path in ("/api/me", "/api/tickets", "/api/tickets/NS-1", "/login", "/wallboard",
                 "/openapi.json", "/no-such-page", "/open311/v2/services.json"):
        r = await client.get(path, headers=h)
        assert r.headers["cache-control"] == "no-store", path
    r = await client.get("/static/app.js")
    assert r.status_code == 200 and "no-store" not in r.headers.get("cache-control", "")


async def test_csp_and_the_other_headers(client):
    r = await client.get("/login")
    csp = r.headers["content-security-policy"]
    for part in ("default-src 'self'", "base-uri 'none'", "form-action 'self'",
                 "frame-ancestors 'none'", "object-src 'none'"):
        assert part in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in r.headers  # plain HTTP here
    assert "server" not in r.headers


def _app(sessionmaker, config_holder, tickets=None, **settings):
    return create_app(HttpContext(sessionmaker=sessionmaker, tickets=tickets,
                                  settings=Settings(**settings), config_holder=config_holder))


async def _login(app, base, headers=None):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base) as c:
        return await c.post("/api/login", json={"username": "sup", "password": PASSWORD},
                            headers={"Origin": base, **(headers or {})})


async def test_secure_cookie_and_hsts_over_https(sessionmaker, config_holder, web_app):
    app = _app(sessionmaker, config_holder)
    r = await _login(app, "https://kontakt.example")
    assert r.status_code == 200
    assert all("secure" in c.lower() for c in r.headers.get_list("set-cookie"))
    assert r.headers["strict-transport-security"].startswith("max-age=")
    r = await _login(app, "http://kontakt.example")
    assert not any("secure" in c.lower() for c in r.headers.get_list("set-cookie"))


async def test_https_behind_a_trusted_proxy_only(sessionmaker, config_holder, web_app):
    says_https = {"X-Forwarded-Proto": "https", "Origin": "https://kontakt.example"}
    trusting = _app(sessionmaker, config_holder, http_trusted_proxies=("127.0.0.1",))
    r = await _login(trusting, "http://kontakt.example", says_https)
    assert r.status_code == 200, r.text
    assert "secure" in r.headers["set-cookie"].lower() and "strict-transport-security" in r.headers
    # The same header from a peer that is not a trusted proxy is only a claim.
    untrusting = _app(sessionmaker, config_holder, http_trusted_proxies=("10.0.0.1",))
    r = await _login(untrusting, "http://kontakt.example", says_https)
    assert r.status_code == 403  # nor does the claimed https origin match
    r = await _login(untrusting, "http://kontakt.example", {"X-Forwarded-Proto": "https"})
    assert r.status_code == 200 and "secure" not in r.headers["set-cookie"].lower()
    assert "strict-transport-security" not in r.headers
    always = _app(sessionmaker, config_holder, http_https="on")
    r = await _login(always, "http://kontakt.example", {"Origin": "https://kontakt.example"})
    assert r.status_code == 200 and "secure" in r.headers["set-cookie"].lower()


class _BrokenStore(FakeTickets):
    error: type = sqlalchemy.exc.ProgrammingError

    async def search(self, actor, **q):
        raise self.error(
            "SELECT phone FROM tickets -- /var/lib/kontakt/kontakt.db", {}, OSError("disk I/O"))


class _StoreAway(_BrokenStore):
    error = sqlalchemy.exc.OperationalError


async def test_library_errors_do_not_reach_the_client(sessionmaker, config_holder, web_app):
    app = _app(sessionmaker, config_holder, tickets=_BrokenStore())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://t") as c:
        r = await c.get("/api/tickets", headers=bearer(await login(c, "sup")))
    assert r.status_code == 500
    assert r.json() == {"error": "server.error", "message": "internal error", "details": {}}
    # The database out of reach: a 503 to retry, and still no SQL, path or error text.
    app = _app(sessionmaker, config_holder, tickets=_StoreAway())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://t") as c:
        r = await c.get("/api/tickets", headers=bearer(await login(c, "sup")))
    assert r.status_code == 503 and r.json()["error"] == "database.unavailable"
    assert "SELECT" not in r.text and "kontakt.db" not in r.text and "disk" not in r.text
