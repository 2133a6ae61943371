"""Readiness over fake probes: the report, failures named, a hanging or
raising probe is a failed check (never an exception), /readyz and /metrics
through the HTTP app, and `kontakt status`'s rendering."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from kontakt.commands.status import base_url, render
from kontakt.health import Check, Readiness, _age
from kontakt.http.app import create_app
from kontakt.http.context import HttpContext
from kontakt.settings import Settings


def fixed(name: str, ok: bool, detail: str = "", **figures: float):
    async def probe() -> Check:
        return Check(name, ok, detail or name, figures)
    return probe


async def test_all_ok_is_ready():
    r = await Readiness({"a": fixed("a", True), "b": fixed("b", True)}).check()
    assert r.ready and r.not_ready == []
    assert [c.name for c in r.checks] == ["a", "b"]


async def test_failures_are_named():
    r = await Readiness({"ami": fixed("ami", True), "broker": fixed("broker", False)}).check()
    assert not r.ready and r.not_ready == ["broker"]
    assert r.as_dict()["not_ready"] == ["broker"]


async def test_raising_and_hanging_probes_fail_their_check_only():
    async def boom() -> Check:
        raise ConnectionRefusedError("refused\nsecond line")

    async def hang() -> Check:
        await asyncio.sleep(10)
        raise AssertionError("unreachable")

    r = await Readiness({"db": boom, "slow": hang, "ok": fixed("ok", True)},
                        timeout=0.1).check()
    by = {c.name: c for c in r.checks}
    assert r.not_ready == ["db", "slow"]
    assert by["db"].detail == "ConnectionRefusedError: refused"
    assert "0.1 s" in by["slow"].detail
    assert by["ok"].ok


async def test_check_is_named_by_its_key():
    r = await Readiness({"database": fixed("whatever", True)}).check()
    assert r.checks[0].name == "database"


def test_age_of_naive_and_aware_timestamps():
    now = datetime(2027, 1, 7, 10, 0, tzinfo=UTC)
    assert _age(None, now) == 0.0
    assert _age(now - timedelta(seconds=30), now) == 30.0
    assert _age((now - timedelta(seconds=5)).replace(tzinfo=None), now) == 5.0


def _client(readiness):
    ctx = HttpContext(sessionmaker=None, tickets=None, settings=Settings(), readiness=readiness)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(ctx)),
                             base_url="http://testserver")


async def test_healthz_and_readyz_ready():
    probes = {"ami": fixed("ami", True), "outbox": fixed("outbox", True, "0 undelivered",
                                                         kontakt_outbox_backlog=0)}
    async with _client(Readiness(probes)) as c:
        assert (await c.get("/healthz")).json() == {"status": "alive"}
        r = await c.get("/readyz")
        assert r.status_code == 200 and r.json()["ready"] is True


async def test_readyz_503_names_what_is_not_ready():
    probes = {"ami": fixed("ami", True), "broker": fixed("broker", False, "not connected")}
    async with _client(Readiness(probes)) as c:
        r = await c.get("/readyz")
    assert r.status_code == 503
    body = r.json()
    assert body["not_ready"] == ["broker"] and body["error"] == "health.not_ready"
    assert body["message"] == "not ready: broker"


async def test_readyz_without_readiness_is_not_ready():
    async with _client(None) as c:
        r = await c.get("/readyz")
    assert r.status_code == 503 and r.json()["not_ready"] == ["readiness"]


async def test_metrics_carry_the_readiness_figures():
    probes = {"broker": fixed("broker", False),
              "outbox": fixed("outbox", True, kontakt_outbox_backlog=7,
                              kontakt_outbox_oldest_seconds=12.5)}
    async with _client(Readiness(probes)) as c:
        text = (await c.get("/metrics")).text
    assert "kontakt_ready 0.0" in text
    assert 'kontakt_ready_check{check="broker"} 0.0' in text
    assert 'kontakt_ready_check{check="outbox"} 1.0' in text
    assert "kontakt_outbox_backlog 7.0" in text
    assert "kontakt_outbox_oldest_seconds 12.5" in text


@pytest.mark.parametrize(("host", "url"), [("127.0.0.1", "http://127.0.0.1:8021"),
                                           ("0.0.0.0", "http://127.0.0.1:8021"),
                                           ("::1", "http://[::1]:8021")])
def test_status_base_url(host, url):
    assert base_url(host, 8021) == url


def test_status_render():
    body = {"ready": False, "checks": [{"name": "ami", "ok": True, "detail": "booted"},
                                       {"name": "broker", "ok": False, "detail": "down"}]}
    assert render("http://x", body).splitlines() == [
        "kontakt at http://x: NOT READY", "  ok   ami            booted",
        "  FAIL broker         down"]
