"""Real calls through a private Asterisk: sipp citizens, sipp agent phones."""

from __future__ import annotations

from pathlib import Path

import pytest

from asterisk.rig import CITY_NUMBER, FREE_NUMBER, PhoneBehaviour

from .conftest import needs_rig

pytestmark = [pytest.mark.rig, needs_rig]


def connects(h):
    """(caller uniqueid, agent) in the order Asterisk reported the answers."""
    return [
        (e["Uniqueid"], e["DestChannel"].split("/")[1].split("-")[0])
        for e in h.events
        if e.get("Event") == "DialEnd"
        and e.get("DialStatus") == "ANSWER"
        and e.get("DestChannel", "").startswith("PJSIP/agent")
    ]


def arrivals(h):
    return [
        e["Uniqueid"]
        for e in h.events
        if e.get("Event") == "Newchannel" and e.get("Channel", "").startswith("PJSIP/trunk-")
    ]


async def test_first_call_on_each_number_is_answered_end_to_end(harness):
    h = await harness(2, talk_ms=1000)
    p = await h.rig.call([("0214001001", FREE_NUMBER), ("0641234567", CITY_NUMBER)], rate=10)
    await h.until(lambda: h.ledger.offered == 2 and h.ledger.in_progress == 0, 30, "both calls")
    assert await p.wait(10) == 0
    s = h.ledger.summary()
    assert (s["answered"], s["lost"], s["abandoned"]) == (2, 0, 0)
    lines = Path(h.engine.settings.queue_log).read_text().splitlines()
    events = [line.split("|")[4] for line in lines]
    assert events.count("ENTERQUEUE") == 2 and events.count("CONNECT") == 2
    assert events.count("COMPLETECALLER") + events.count("COMPLETEAGENT") == 2


async def test_twenty_talk_the_rest_wait_and_the_longest_waiting_goes_next(harness):
    # Every phone talks until told: agent01's call is ended by the test once
    # twenty talk and five wait (a timed hang-up races a slow machine's setup).
    h = await harness(20)
    await h.rig.call([(f"021400{i:04d}", FREE_NUMBER) for i in range(25)], rate=25)
    await h.until(
        lambda: h.ledger.talking == 20 and h.ledger.waiting == 5, 60, "20 talking, 5 waiting"
    )
    first_waiting = arrivals(h)[20]
    assert h.engine.acd.waiting()[0].id == first_waiting
    await h.rig.ami.action("Hangup", Channel="/^PJSIP/agent01-.*$/")
    await h.until(lambda: len(connects(h)) == 21, 60, "agent01 hangs up, next caller connected")
    assert connects(h)[20] == (first_waiting, "agent01")
    assert h.ledger.lost == 0


async def test_callers_are_served_in_arrival_order(harness):
    h = await harness(1, talk_ms=700)
    await h.rig.call([(f"02150000{i:02d}", CITY_NUMBER) for i in range(5)], rate=20)
    await h.until(lambda: h.ledger.offered == 5 and h.ledger.in_progress == 0, 60, "5 calls")
    assert [uid for uid, _ in connects(h)] == arrivals(h)
    assert h.ledger.summary()["answered"] == 5


async def test_caller_who_hangs_up_while_waiting_is_abandoned(harness):
    h = await harness(1, talk_ms=30000)
    await h.rig.call([("0214001001", FREE_NUMBER)], rate=10)
    await h.until(lambda: h.ledger.talking == 1, 20, "first call talking")
    await h.rig.call([("0214001002", FREE_NUMBER)], rate=10, hold_ms=1500)
    await h.until(lambda: h.ledger.abandoned == 1, 20, "abandon")
    assert h.ledger.lost == 0
    log = Path(h.engine.settings.queue_log).read_text()
    assert "|ABANDON|1|1|" in log


async def test_agent_who_does_not_answer_is_paused_and_caller_served_by_another(harness):
    phones = {"agent01": PhoneBehaviour(ring_ms=60000)}
    h = await harness(2, ring_timeout=2, phones=phones, talk_ms=1000)
    await h.rig.call([("0214001001", FREE_NUMBER)], rate=10)
    await h.until(lambda: h.ledger.answered == 1, 30, "answer by the second agent")
    assert connects(h)[0][1] == "agent02"
    a1 = h.engine.acd.agents["agent01"]
    assert (a1.state.value, a1.reason) == ("paused", "no-answer")
    assert "RINGNOANSWER" in Path(h.engine.settings.queue_log).read_text()
    assert h.ledger.lost == 0


async def test_engine_unreachable_falls_back_to_app_queue(harness):
    h = await harness(2, engine=False, talk_ms=1000)
    await h.rig.call([("0214001001", FREE_NUMBER), ("0214001002", CITY_NUMBER)], rate=10)
    await h.until(lambda: h.ledger.offered == 2 and h.ledger.in_progress == 0, 30, "fallback calls")
    s = h.ledger.summary()
    assert (s["answered"], s["fallback"], s["lost"]) == (2, 2, 0)


async def test_caller_offered_a_callback_presses_1_and_is_called_back(harness):
    h = await harness(1, talk_ms=5000, max_wait=1.0, announce_every=0.0)
    await h.rig.call([("0214001001", FREE_NUMBER)], rate=10)
    await h.until(lambda: h.ledger.talking == 1, 60, "first call talking")
    # The second citizen is answered to wait, hears the offer after 1 s and
    # presses 1 every 1.5 s (a key before the offer is dropped: on a slow
    # machine the offer may come after the first press).
    await h.rig.call([("0214001002", FREE_NUMBER)], rate=10, dtmf="1111", dtmf_delay_ms=1500)
    await h.until(lambda: h.ledger.callbacks == 1, 60, "callback requested")
    assert h.ledger.lost == 0 and h.ledger.abandoned == 0
    # When agent01 frees, its phone rings first, then the citizen is dialled.
    await h.until(
        lambda: any(
            e.get("Event") == "UserEvent" and e.get("UserEvent") == "KontaktCallback"
            for e in h.events
        ),
        30,
        "agent answered the callback",
    )
    await h.until(
        lambda: any(
            e.get("Event") == "DialEnd"
            and e.get("DialStatus") == "ANSWER"
            and e.get("DestChannel", "").startswith("PJSIP/trunk-")
            for e in h.events
        ),
        20,
        "citizen answered the callback",
    )
    log = Path(h.engine.settings.queue_log).read_text()
    assert "CALLBACKREQUEST|0214001002" in log
    assert log.count("|CONNECT|") == 2


async def test_waiting_caller_hears_position_and_expected_wait(harness):
    h = await harness(1, talk_ms=8000, announce_every=1.0)
    events = h.published
    await h.rig.call(
        [("0214001001", FREE_NUMBER), ("0214001002", FREE_NUMBER), ("0214001003", FREE_NUMBER)],
        rate=20,
    )

    def positions():
        return {e["uniqueid"]: e["position"] for e in events if e["type"] == "call.position"}

    await h.until(lambda: sorted(positions().values()) == [1, 2], 20, "position announcements")
    assert all(e["expected_wait_minutes"] >= 1 for e in events if e["type"] == "call.position")
    assert h.ledger.lost == 0


async def test_engine_started_mid_call_marks_busy_agents_from_asterisk(harness):
    h = await harness(2, engine=False, talk_ms=4000)
    await h.rig.call([("0214001001", FREE_NUMBER)], rate=10)  # app_queue serves it
    await h.until(lambda: h.ledger.talking == 1, 20, "fallback call talking")
    from kontakt.bootstrap import Options, bootstrap
    from kontakt.settings import Settings

    s = h.rig.engine_settings(Settings.load(environ={})).replace(router="direct")
    system = await bootstrap(s, h.rig.ami, Options(
        tickets=False, logins={"agent01": ["sr"], "agent02": ["sr"]}))
    eng = system.engine
    try:
        await eng.reconcile()
        busy = [a.id for a in eng.acd.agents.values() if a.state.value == "talking"]
        assert len(busy) == 1
        await h.rig.call([("0214001002", FREE_NUMBER)], rate=10)
        await h.until(lambda: h.ledger.talking == 2, 20, "second call to the free agent")
        assert connects(h)[-1][1] != busy[0]
        await h.until(
            lambda: eng.acd.agents[busy[0]].state.value == "available",
            20,
            "busy agent freed when its call ends",
        )
    finally:
        await system.stop()


async def test_agent_phone_feature_codes_drive_the_agent_state(harness):
    h = await harness(2, login=False)
    agent = h.engine.acd.agents["agent01"]
    assert await h.rig.feature("agent01", "*71") == 0
    await h.until(lambda: agent.state.value == "available", 10, "login by *71")
    assert await h.rig.feature("agent01", "*73") == 0
    await h.until(lambda: agent.state.value == "paused", 10, "pause by *73")
    assert agent.reason == "break"
    assert await h.rig.feature("agent01", "*74") == 0
    await h.until(lambda: agent.state.value == "available", 10, "ready by *74")
    assert await h.rig.feature("agent01", "*72") == 0
    await h.until(lambda: agent.state.value == "logged_out", 10, "logout by *72")
    # No anonymous SIP: a wrong password changes nothing.
    assert await h.rig.feature("agent02", "*71", password="wrong", timeout=3) != 0
    assert h.engine.acd.agents["agent02"].state.value == "logged_out"


async def test_fast_path_rings_the_published_agent_and_the_engine_keeps_count(harness):
    h = await harness(2, talk_ms=2000, fast_path=True)
    await h.until(lambda: h.engine.core.fast.published == "agent01", 5, "agent01 published")
    # 2 calls a second: the engine's new KONTAKT_NEXT (one AMI Setvar) lands
    # before the next call even on a loaded machine.
    await h.rig.call([(f"021400100{i}", FREE_NUMBER) for i in range(4)], rate=2)
    await h.until(lambda: h.ledger.offered == 4 and h.ledger.in_progress == 0, 40, "4 calls")
    engine_asked = {e["Uniqueid"] for e in h.events if e.get("Event") == "Newexten"
                    and e.get("Application") == "AGI"}
    assert len(engine_asked) <= 2  # the first two rang without asking the engine
    s = h.ledger.summary()
    assert (s["answered"], s["lost"], s["fallback"]) == (4, 0, 0)
    assert h.engine.stats["answered"] == 4
    assert [uid for uid, _ in connects(h)] == arrivals(h)  # still first come, first served
