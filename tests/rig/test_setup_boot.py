"""The installation `kontakt setup --root` writes, booted without systemd:
its Asterisk configuration runs, the phones register with the generated
passwords, `kontakt run` starts from the written settings, a citizen's call
through the carrier trunk is answered by an operator, and the first
administrator logs in with the password setup printed once."""

from __future__ import annotations

import httpx
import pytest

from asterisk.rig import FREE_NUMBER

from .conftest import needs_rig
from .installed import Installation

pytestmark = [pytest.mark.rig, pytest.mark.mqtt, needs_rig, pytest.mark.timeout(600)]


async def test_setup_boots_and_a_call_is_answered_by_an_operator(tmp_path):
    inst = Installation(tmp_path, agents=2, talk_ms=2000, always_open=True)
    try:
        await inst.start()
        assert "administrator admin: password" in inst.setup_out
        contacts = await inst.cli("pjsip show contacts")
        assert "agent01/sip:agent01@127.0.0.1" in contacts, contacts
        r = await inst.kontakt("agent", "status")
        assert r.stdout.count("available") == 2, r.stdout
        citizens = await inst.call([("0214001001", FREE_NUMBER)], dtmf="11",
                                  dtmf_delay_ms=4000, hold_ms=90_000)
        # language 1 (Serbian), then 1: an operator
        await inst.until(lambda: inst.ledger.answered == 1, 60, "an operator answers")
        await inst.until(lambda: inst.ledger.in_progress == 0, 30, "the call ends")
        s = inst.ledger.summary()
        assert (s["answered"], s["lost"], s["fallback"]) == (1, 0, 0), s
        assert await citizens.wait(15) == 0
        queue_log = (inst.root / "var/log/kontakt/queue_log").read_text()
        assert "|CONNECT|" in queue_log

        # The first administrator logs in to the workstations.
        url = f"http://127.0.0.1:{inst.http_port}"
        async with httpx.AsyncClient(base_url=url, headers={"Origin": url}) as c:
            r = await c.post("/api/login", json={"username": "admin",
                                                 "password": inst.admin_password()})
            assert r.status_code == 200, r.text
            assert r.json()["user"]["role"] == "admin"
        assert await inst.stop_engine() == 0
    finally:
        await inst.stop()
