"""The supervisor listens in: from the API (the wallboard's button) for an
operator who is talking, the supervisor's own phone rings, answers, and gets
the live call's audio through ChanSpy; the use is in the audit log; a
request for an operator who is not talking is refused and audited too."""

from __future__ import annotations

import asyncio
import socket
import sqlite3

import httpx
import pytest

from asterisk.rig import FREE_NUMBER
from asterisk.sipp import uas_scenario

from .conftest import needs_rig
from .installed import Installation, talking_phone

pytestmark = [pytest.mark.rig, pytest.mark.mqtt, needs_rig, pytest.mark.timeout(900)]

def _supervisor_phone(media_port: int) -> str:
    """The supervisor's phone answers with its media at ``media_port`` (a socket of the test)."""
    return uas_scenario(ring_ms=100, talk_ms=3_600_000).replace(
        "m=audio [media_port] RTP/AVP 0 101", f"m=audio {media_port} RTP/AVP 0 101")


async def test_supervisor_hears_the_live_call_and_it_is_audited(tmp_path):
    ear = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ear.bind(("127.0.0.1", 0))
    ear.setblocking(False)
    inst = Installation(tmp_path, agents=2, supervisors=1, extra_settings={
        "KONTAKT_ROUTER": "direct", "KONTAKT_SUPERVISOR_PHONES": "chief=supervisor01"})
    try:
        await inst.start(engine=False)
        (tmp_path / "agent01-talks.xml").write_text(talking_phone())
        (tmp_path / "supervisor.xml").write_text(_supervisor_phone(ear.getsockname()[1]))
        inst.phones.pop("agent01").kill()
        await inst.start_phone("agent01", scenario=tmp_path / "agent01-talks.xml")
        await inst.start_phone("supervisor01", scenario=tmp_path / "supervisor.xml")
        await inst.start_engine()
        assert (await inst.kontakt("agent", "login", "agent01")).returncode == 0
        r = await inst.kontakt("user", "add", "chief", "--role", "supervisor",
                               env={**inst.env(), "KONTAKT_NEW_PASSWORD": "chief-secret-9"})
        assert r.returncode == 0, r.stderr
        await inst.call([("0214003001", FREE_NUMBER)])
        await inst.until(lambda: inst.ledger.talking == 1, 60, "the operator talking")

        url = f"http://127.0.0.1:{inst.http_port}"
        async with httpx.AsyncClient(base_url=url, headers={"Origin": url}, timeout=30) as c:
            r = await c.post("/api/login", json={"username": "chief",
                                                 "password": "chief-secret-9"})
            assert r.status_code == 200, r.text
            r = await c.post("/api/supervise", json={"agent": "agent02", "mode": "listen"})
            assert r.status_code == 409 and r.json()["error"] == "supervise.not_talking"
            r = await c.post("/api/supervise", json={"agent": "PJSIP/agent01", "mode": "listen"})
            # never a channel name from the request: refused before Asterisk
            assert r.status_code in (400, 404, 422), r.text
            r = await c.post("/api/supervise", json={"agent": "agent01", "mode": "listen"})
            assert r.status_code == 200, r.text
            assert r.json()["phone"] == "supervisor01"

        # The supervisor's phone rings, answers, and ChanSpy sends it the call's audio.
        await inst.until(lambda: any(e.get("Event") == "ChanSpyStart" for e in inst.events),
                         60, "ChanSpy started")
        spy = next(e for e in inst.events if e.get("Event") == "ChanSpyStart")
        assert spy["SpyeeChannel"].startswith("PJSIP/agent01-")
        assert spy["SpyerChannel"].startswith("PJSIP/supervisor01-")
        loop = asyncio.get_running_loop()
        heard: list[bytes] = []
        end = loop.time() + 30
        while len(heard) < 100 and loop.time() < end:
            try:
                heard.append(ear.recv(2048))
            except BlockingIOError:
                await asyncio.sleep(0.02)
        assert len(heard) >= 100, f"only {len(heard)} RTP packets reached the supervisor"
        audio = b"".join(p[12:] for p in heard)
        silence = audio.count(0xFF) + audio.count(0x7F)
        assert silence < 0.9 * len(audio), "the supervisor heard only silence"
        (tmp_path / "supervisor-heard.ulaw").write_bytes(audio)

        db = sqlite3.connect(inst.root / "var/lib/kontakt/kontakt.db")
        rows = db.execute("SELECT actor, action, reason, details FROM audit_log "
                          "WHERE action LIKE 'call.%' ORDER BY id").fetchall()
        db.close()
        assert [(a, act) for a, act, _, _ in rows] == [("chief", "call.listen")] * 3, rows
        assert rows[0][2] == "refused: supervise.not_talking"
        assert rows[-1][2] == "supervision" and '"agent01"' in rows[-1][3]
    finally:
        ear.close()
        await inst.stop()
