"""Recording on: the citizen hears the notice, MixMonitor records the call,
the operator opens a ticket during the call and the recording is linked to
it; the supervisor and the operator who handled it play it in the browser,
department staff only once it is shared with them; every playback audited."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from asterisk.rig import FREE_NUMBER

from .conftest import needs_rig
from .installed import Installation, talking_phone

pytestmark = [pytest.mark.rig, pytest.mark.mqtt, needs_rig, pytest.mark.timeout(900)]


async def _client(url: str, user: str, password: str) -> httpx.AsyncClient:
    c = httpx.AsyncClient(base_url=url, headers={"Origin": url}, timeout=30)
    r = await c.post("/api/login", json={"username": user, "password": password})
    assert r.status_code == 200, r.text
    return c


async def test_recording_linked_to_the_calls_ticket_and_played_by_whom_it_may(tmp_path):
    inst = Installation(tmp_path, agents=1, extra_settings={
        "KONTAKT_ROUTER": "direct", "KONTAKT_RECORDING": "true"})
    try:
        await inst.start(engine=False)
        (tmp_path / "talks.xml").write_text(talking_phone(talk_ms=8000, plays=1))
        inst.phones.pop("agent01").kill()
        await inst.start_phone("agent01", scenario=tmp_path / "talks.xml")
        await inst.start_engine()
        assert (await inst.kontakt("agent", "login", "agent01")).returncode == 0
        pw = {"KONTAKT_NEW_PASSWORD": "secret-pass-42"}
        for user in (("marko", "--role", "agent", "--agent", "agent01"),
                     ("chief", "--role", "supervisor"),
                     ("vesna", "--role", "agent", "--agent", "agent02"),
                     ("zoran", "--role", "department", "--department", "cistoca")):
            r = await inst.kontakt("user", "add", *user, env={**inst.env(), **pw})
            assert r.returncode == 0, r.stderr
        await inst.call([("0214004001", FREE_NUMBER)])
        await inst.until(lambda: inst.ledger.talking == 1, 60, "the operator talking")
        url = f"http://127.0.0.1:{inst.http_port}"
        marko = await _client(url, "marko", "secret-pass-42")
        r = await marko.post("/api/tickets", json={
            "kind": "complaint", "department": "cistoca", "subject": "Не ради расвета"})
        assert r.status_code == 201, r.text
        number = r.json()["number"]
        uid = r.json()["calls"][0]["uniqueid"]
        await inst.until(lambda: inst.ledger.in_progress == 0, 60, "the call ends")

        chief = await _client(url, "chief", "secret-pass-42")
        r = await chief.get(f"/api/tickets/{number}/recordings")
        assert r.status_code == 200, r.text
        [rec] = r.json()["recordings"]
        assert rec["uniqueid"] == uid and rec["language"] == "sr"
        r = await chief.get(rec["url"])
        assert r.status_code == 200 and r.headers["content-type"] == "audio/wav"
        assert r.content[:4] == b"RIFF" and len(r.content) > 8000, len(r.content)
        assert (await marko.get(rec["url"])).status_code == 200  # handled it
        vesna = await _client(url, "vesna", "secret-pass-42")
        assert (await vesna.get(rec["url"])).status_code == 404  # another operator
        zoran = await _client(url, "zoran", "secret-pass-42")
        assert (await zoran.get(rec["url"])).status_code == 404  # not shared yet
        r = await chief.post(f"/api/recordings/{uid}/share", json={"department": "cistoca"})
        assert r.status_code == 200, r.text
        assert (await zoran.get(rec["url"])).status_code == 200
        for c in (marko, chief, vesna, zoran):
            await c.aclose()

        db = sqlite3.connect(inst.root / "var/lib/kontakt/kontakt.db")
        rows = db.execute("SELECT actor, reason FROM audit_log WHERE action = "
                          "'recording.play' ORDER BY id").fetchall()
        db.close()
        assert rows == [("chief", "supervisor"), ("marko", "handler"), ("vesna", "refused"),
                        ("zoran", "refused"), ("zoran", "shared")], rows
        # The citizen heard the notice in Serbian before the operator.
        log = inst.engine_logs[-1].read_text()
        assert '"recording.started"' in log and '"language": "sr"' in log
    finally:
        await inst.stop()
