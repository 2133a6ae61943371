"""Login protection that cannot be turned against users: a progressive delay
per account, per address and per pair instead of a lock; the browser a user
logged in from before is slowed only by its own failures; X-Forwarded-For
only from a trusted proxy; administrators see and clear throttles."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from http_helpers import PASSWORD, bearer, login

from kontakt.http.app import create_app
from kontakt.http.context import HttpContext
from kontakt.http.door import Door
from kontakt.http.throttle import Devices, Throttle
from kontakt.settings import Settings
from tickets.service import TicketService


def test_delay_doubles_after_the_free_tries_and_is_capped():
    now = [0.0]
    t = Throttle(free=3, max_delay=60, window=900, clock=lambda: now[0])
    waits = []
    for _ in range(10):
        waits.append(t.wait("account:a"))
        now[0] += waits[-1]  # the guesser waits exactly as long as told
        t.failed("account:a")
    assert waits == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60]
    assert t.wait("account:b") == 0  # other keys are untouched
    now[0] += 901  # failures older than the window are forgotten
    assert t.wait("account:a") == 0 and t.entries() == []


def test_the_delay_is_a_delay_not_a_lock():
    now = [0.0]
    t = Throttle(free=1, max_delay=300, window=3600, clock=lambda: now[0])
    for _ in range(50):  # an attacker's long night
        now[0] += t.wait("account:a")
        t.failed("account:a")
    assert 0 < t.wait("account:a") <= 300  # never more than max_delay from now
    now[0] += 300
    assert t.wait("account:a") == 0


def test_throttle_keys_are_bounded():
    t = Throttle(free=1, max_keys=100)
    t.failed(*(f"account:u{i}" for i in range(1000)))
    assert len(t.entries()) == 100


def test_devices_remember_users():
    d = Devices(max_devices=2)
    dev = d.remember(None, "vod1")
    assert d.knows(dev, "vod1") and not d.knows(dev, "vod2") and not d.knows("forged", "vod1")
    assert d.remember(dev, "vod2") == dev and d.knows(dev, "vod1")  # a shared workstation
    d.remember(None, "a")
    d.remember(None, "b")
    assert not d.knows(dev, "vod1")  # the oldest is forgotten first


def test_x_forwarded_for_only_from_trusted_proxies():
    def scope(peer, xff=None):
        headers = [(b"x-forwarded-for", xff.encode())] if xff else []
        return {"client": (peer, 1), "headers": headers}

    plain = Door.from_settings(Settings())
    assert plain.client(scope("203.0.113.9", "10.1.1.1")) == "203.0.113.9"
    assert plain.client(scope("127.0.0.1", "10.1.1.1")) == "127.0.0.1"  # not even loopback
    proxied = Door.from_settings(Settings(http_trusted_proxies=("10.0.0.0/24", "127.0.0.1")))
    assert proxied.client(scope("10.0.0.5", "198.51.100.7")) == "198.51.100.7"
    # The client may write anything to the left; only the proxies' own entries count.
    assert proxied.client(scope("10.0.0.5", "1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    assert proxied.client(scope("10.0.0.5", "198.51.100.7, 10.0.0.6")) == "198.51.100.7"
    assert proxied.client(scope("10.0.0.5", "garbage, 198.51.100.7")) == "198.51.100.7"
    assert proxied.client(scope("10.0.0.5", "198.51.100.7, garbage")) == "10.0.0.5"
    assert proxied.client(scope("10.0.0.5")) == "10.0.0.5"
    assert proxied.client(scope("203.0.113.9", "198.51.100.7")) == "203.0.113.9"


@pytest.fixture
async def make_client(sessionmaker, config_holder, web_app):
    """Clients of one app with the given settings (the users come from web_app)."""
    made = []

    async def make(settings, app=None, address="127.0.0.1"):
        app = app or create_app(HttpContext(
            sessionmaker=sessionmaker, tickets=TicketService(sessionmaker), settings=settings,
            config_holder=config_holder))
        transport = httpx.ASGITransport(app=app, client=(address, 50000))
        c = httpx.AsyncClient(transport=transport, base_url="http://t",
                              headers={"Origin": "http://t"})
        made.append(c)
        return c, app

    yield make
    for c in made:
        await c.aclose()


async def _try(c, user, password, **kw):
    return await c.post("/api/login", json={"username": user, "password": password}, **kw)


async def test_wrong_passwords_slow_down_but_the_right_one_still_logs_in(make_client):
    c, _ = await make_client(Settings(login_free_failures=2, login_max_delay=0.5))
    codes = [(await _try(c, "sup", "wrong-guess")).status_code for _ in range(3)]
    assert codes == [401, 401, 429]  # the third try came before the delay had passed
    r = await _try(c, "sup", PASSWORD)
    assert r.status_code == 429 and r.json()["error"] == "auth.rate_limited"
    assert 0 < r.json()["details"]["retry_after"] <= 0.5 and int(r.headers["retry-after"]) >= 1
    await asyncio.sleep(0.6)
    assert (await _try(c, "sup", PASSWORD)).status_code == 200  # no lock


async def test_an_office_behind_one_address_still_logs_in(make_client):
    # free 1 per account; an address gets ten times as many (an office's NAT).
    settings = Settings(login_free_failures=1, login_max_delay=300)
    office = "192.0.2.10"
    vod1, app = await make_client(settings, address=office)
    assert (await _try(vod1, "vod1", PASSWORD)).status_code == 200  # her usual browser
    insider, _ = await make_client(settings, app, office)  # same NAT, no device cookie
    codes = [(await _try(insider, f"guess{i}", "x")).status_code for i in range(11)]
    assert codes.count(401) == 10 and codes[-1] == 429  # the address is slowed down
    outsider, _ = await make_client(settings, app, "203.0.113.66")
    codes = [(await _try(outsider, "vod1", "wrong-guess")).status_code for _ in range(3)]
    assert codes == [401, 429, 429]  # and vod1's account is slowed down
    colleague, _ = await make_client(settings, app, office)  # a new browser in the office
    assert (await _try(colleague, "vod2", PASSWORD)).status_code == 429
    r = await _try(vod1, "vod1", PASSWORD)
    assert r.status_code == 200, r.text  # vod1's browser is slowed only by its own failures
    # The administrator sees why the colleague waits, and clears the address.
    it, _ = await make_client(settings, app, "198.51.100.1")
    adm = bearer(await login(it, "adm"))
    listed = {t["key"]: t for t in (await it.get("/api/throttles", headers=adm)).json()[
        "throttles"]}
    assert listed[f"address:{office}"]["failures"] == 10
    assert listed[f"address:{office}"]["wait"] > 0 and listed["account:vod1"]["failures"] == 1
    r = await it.post("/api/throttles/clear", headers=adm, json={"key": f"address:{office}"})
    assert r.json() == {"cleared": 1}
    assert (await _try(colleague, "vod2", PASSWORD)).status_code == 200
    r = await it.post("/api/throttles/clear", headers=adm, json={})
    assert r.json()["cleared"] >= 1
    assert (await it.get("/api/throttles", headers=adm)).json()["throttles"] == []


async def test_a_forwarded_address_counts_only_behind_a_trusted_proxy(make_client):
    settings = Settings(login_free_failures=1, login_max_delay=300)
    direct, _ = await make_client(settings)
    for i in range(12):  # rotating X-Forwarded-For does not spread the attempts
        await _try(direct, f"guess{i}", "x", headers={"X-Forwarded-For": f"10.9.0.{i}"})
    r = await _try(direct, "guess99", "x", headers={"X-Forwarded-For": "10.9.9.9"})
    assert r.status_code == 429
    proxied, _ = await make_client(settings.replace(http_trusted_proxies=("127.0.0.1",)))
    for _ in range(11):
        await _try(proxied, "nobody", "x", headers={"X-Forwarded-For": "198.51.100.7"})
    r = await _try(proxied, "sup", PASSWORD, headers={"X-Forwarded-For": "198.51.100.8"})
    assert r.status_code == 200  # another client behind the same proxy
