"""The live feed over real MQTT: a client that reconnects with Last-Event-ID
gets what it missed, in order, filtered for its role."""

from __future__ import annotations

import json

import httpx
import pytest
from browser_helpers import PASSWORD

pytestmark = [pytest.mark.mqtt]


def _login(server, user):
    r = httpx.post(f"{server.url}/api/token", json={"username": user, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _read(server, headers, want, last_id=None):
    """Read SSE data events until ``want`` of them arrived; returns (id, data) pairs."""
    h = dict(headers)
    if last_id is not None:
        h["Last-Event-ID"] = str(last_id)
    out, cur = [], {}
    with httpx.stream("GET", f"{server.url}/api/events", headers=h, timeout=5) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("id: "):
                cur["id"] = int(line[4:])
            elif line.startswith("data: ") and "id" in cur:
                out.append((cur["id"], json.loads(line[6:])))
                cur = {}
            elif line.startswith("event: "):
                cur = {}
            if len(out) >= want:
                return out
    return out


def test_reconnect_catches_up(live_server):
    sup = _login(live_server, "sup")
    vod = _login(live_server, "vod1")
    start = live_server.web.hub.seq

    async def publish():
        await live_server.pub.publish("tickets/cistoca/T-9", "ticket.status_changed",
                                      number="T-9", status="active")
        for i in range(3):
            await live_server.pub.publish(f"tickets/vodovod/T-{i}", "ticket.status_changed",
                                          number=f"T-{i}", status="active")

    live_server.run_coro(publish())
    # while nobody was connected: catch up from the last id seen
    got = _read(live_server, sup, 4, last_id=start)
    assert [d["number"] for _, d in got] == ["T-9", "T-0", "T-1", "T-2"]
    again = _read(live_server, sup, 2, last_id=got[1][0])
    assert [d["number"] for _, d in again] == ["T-1", "T-2"]
    dep = _read(live_server, vod, 3, last_id=start)
    assert [d["number"] for _, d in dep] == ["T-0", "T-1", "T-2"]  # cistoca's T-9 skipped


def test_events_need_a_session(live_server):
    r = httpx.get(f"{live_server.url}/api/events", timeout=5)
    assert r.status_code == 401
