"""The call core against a fake PBX: recorded AMI traffic replayed, the AGI
routes driven by a scripted FastAGI session.  No Asterisk here (the rig
tests in tests/rig run the same code against the real one)."""

from __future__ import annotations

import asyncio

from fakes import FakeAgi, World, caller_uid, recorded

from dialplan.outcome import Action, Outcome
from kontakt.calls.ports import Channel


async def login(w: World, *agents: str) -> None:
    for a in agents:
        w.clock.now += 1
        await w.engine.agent_login(a)


def arrive(w: World, uid: str) -> None:
    """What the call route does for a routed call, without the AGI session."""
    contact = w.core.contacts.open(uid, "PJSIP/trunk-x", "0214001000")
    contact.new_offer()
    w.core.run(w.core.arrive(contact, language="sr", priority=5, skills=()))


def empty(w: World) -> bool:
    return not w.core.acd.calls and len(w.core.contacts) == 0 \
        and w.core.contacts.sizes() == {"contacts": 0, "legs": 0}


async def test_answered_call_replayed_ends_with_the_agent_free_and_nothing_kept(tmp_path):
    w = World(tmp_path)
    await login(w, "agent01")
    events = recorded("answered")
    arrive(w, caller_uid(events))
    w.feed(events)
    assert w.core.stats.answered == 1 and w.core.stats.abandoned == 0
    assert w.core.acd.agents["agent01"].state.value == "available"
    assert empty(w)
    assert w.types() == ["call.ringing", "call.connected", "call.completed"]
    # the agent's phone hung up first (HangupRequest on its leg)
    assert w.log_events()[-2:] == ["CONNECT", "COMPLETEAGENT"]


async def test_unanswered_agent_is_paused_and_the_next_one_takes_the_call(tmp_path):
    w = World(tmp_path, agents=("agent01", "agent02"))
    await login(w, "agent01", "agent02")
    events = recorded("no_answer_then_next")
    arrive(w, caller_uid(events))
    w.feed(events)
    a1, a2 = (w.core.acd.agents[a] for a in ("agent01", "agent02"))
    assert (a1.state.value, a1.reason) == ("paused", "no-answer")
    assert a2.state.value == "available" and a2.calls == 1
    assert w.core.stats.answered == 1 and empty(w)
    assert "RINGNOANSWER" in w.log_events()


async def test_caller_hanging_up_while_waiting_is_abandoned(tmp_path):
    w = World(tmp_path)
    await login(w, "agent01")
    events = recorded("abandoned_while_waiting")
    arrive(w, caller_uid(events))
    w.feed(events)
    assert w.core.stats.abandoned == 1 and w.core.stats.answered == 0
    assert "call.abandoned" in w.types() and empty(w)


async def test_fast_path_claim_is_counted_and_the_next_agent_published(tmp_path):
    w = World(tmp_path, fast_path=True)
    await login(w, "agent01")
    await asyncio.sleep(0.01)
    assert w.pbx.globals["KONTAKT_NEXT"] == "agent01"
    w.feed(recorded("fast_path_claimed")[:6])  # up to the answer
    await asyncio.sleep(0.01)
    assert w.pbx.globals["KONTAKT_NEXT"] == "" and w.core.stats.answered == 1
    w.feed(recorded("fast_path_claimed")[6:])
    await asyncio.sleep(0.01)
    assert w.pbx.globals["KONTAKT_NEXT"] == "agent01" and empty(w)
    await w.engine.core.fast.stop()
    assert w.pbx.globals["KONTAKT_NEXT"] == ""  # nothing published for a dead engine


async def test_call_route_rings_a_free_agent_from_its_own_session(tmp_path):
    w = World(tmp_path)
    await login(w, "agent01")
    agi = FakeAgi("c1")
    task = asyncio.create_task(w.engine.routes.call(agi))
    await asyncio.sleep(0.01)
    assert agi.sent[-1] == "GOSUB kontakt-ring s 1 agent01"
    w.core.on_ami({"Event": "DialBegin", "Uniqueid": "c1", "DestUniqueid": "a1",
                   "DestChannel": "PJSIP/agent01-00000001"})
    w.core.on_ami({"Event": "DialEnd", "Uniqueid": "c1", "DialStatus": "ANSWER",
                   "DestChannel": "PJSIP/agent01-00000001"})
    agi.ring_done("0")
    await task
    assert agi.vars["KONTAKT_ACTION"] == "done" and w.core.stats.answered == 1
    w.core.on_ami({"Event": "Hangup", "Uniqueid": "c1", "Channel": "PJSIP/trunk-c1"})
    w.core.on_ami({"Event": "Hangup", "Uniqueid": "a1", "Channel": "PJSIP/agent01-00000001"})
    assert empty(w) and w.log_events()[-1] == "COMPLETECALLER"


async def test_waiting_caller_hears_its_place_in_its_language_then_gets_the_agent(tmp_path):
    w = World(tmp_path, prompts=True, announce_every=0.02,
              router_outcome=Outcome(Action.QUEUE, "menu", "hu"))
    agi = FakeAgi("c1")
    task = asyncio.create_task(w.engine.routes.call(agi))

    def told() -> bool:  # a deadline, not a sleep: a loaded machine is slow
        return any(p.endswith("/generated/hu/number_3") for p in agi.streamed())

    for _ in range(500):  # at most 10 s
        if told():
            break
        await asyncio.sleep(0.02)
    assert "EXEC StartMusicOnHold \"default\"" in agi.sent and "ANSWER" in agi.sent
    heard = agi.streamed()
    assert any(p.endswith("/generated/hu/queue_next") for p in heard)
    assert any(p.endswith("/generated/hu/queue_wait") for p in heard)
    assert any(p.endswith("/generated/hu/number_3") for p in heard)  # 180 s: 3 minutes
    await login(w, "agent01")
    await asyncio.wait_for(task, 1)
    assert agi.vars["KONTAKT_ACTION"] == "dial:agent01"
    assert w.core.contacts.get("c1").attempt == "agent01"


async def test_callback_after_max_wait_keeps_the_place_and_rings_agent_first(tmp_path):
    w = World(tmp_path, prompts=True, max_wait=0.05)
    agi = FakeAgi("c1", keys={"queue_callback\"": "1", "queue_callback ": "1"})
    await asyncio.wait_for(w.engine.routes.call(agi), 2)
    assert agi.vars["KONTAKT_ACTION"] == "reject:callback"
    assert w.callbacks.calls == [("c1", "0214001001", "sr")]
    w.core.on_ami({"Event": "Hangup", "Uniqueid": "c1", "Channel": "PJSIP/trunk-c1"})
    assert w.core.contacts.get("c1") is not None  # the request outlives the caller's leg
    await login(w, "agent01")
    await asyncio.sleep(0.01)
    assert w.pbx.originated == [("agent01", "0214001001", "c1")]
    assert w.core.acd.agents["agent01"].state.value == "talking"
    w.core.on_ami({"Event": "Hangup", "Uniqueid": "callback-leg-1",
                   "Channel": "PJSIP/agent01-00000002"})
    assert empty(w) and w.core.acd.agents["agent01"].state.value == "available"


async def test_refused_and_closed_calls_are_told_to_the_dialplan(tmp_path):
    for action, said in ((Action.REJECT, "reject:reject"), (Action.CLOSED, "reject:closed"),
                         (Action.HUNG_UP, "done")):
        w = World(tmp_path, router_outcome=Outcome(action, "why"))
        agi = FakeAgi("c1")
        await w.engine.routes.call(agi)
        assert agi.vars["KONTAKT_ACTION"] == said and empty(w)


async def test_requeue_after_an_unreached_agent_offers_the_next_one(tmp_path):
    w = World(tmp_path, agents=("agent01", "agent02"))
    await login(w, "agent01", "agent02")
    agi = FakeAgi("c1")
    task = asyncio.create_task(w.engine.routes.call(agi))
    await asyncio.sleep(0.01)
    agi.ring_done("0")  # the ring returned: agent01 not reached, AMI said nothing
    await asyncio.wait_for(task, 1)
    assert agi.vars["KONTAKT_ACTION"] == "dial:agent02"
    assert w.core.acd.agents["agent01"].reason == "no-answer"


async def test_reconcile_marks_agents_busy_elsewhere_and_ends_vanished_contacts(tmp_path):
    w = World(tmp_path, agents=("agent01", "agent02"))
    await login(w, "agent01", "agent02")
    w.core.contacts.open("ghost").new_offer()  # its Hangup was missed while AMI was down
    w.pbx.live = [Channel("x1", "PJSIP/agent02-0000000a"), Channel("t1", "PJSIP/trunk-0001")]
    await w.engine.reconcile()
    assert w.core.acd.agents["agent02"].state.value == "talking"
    assert w.core.contacts.get("ghost") is None
    await w.engine.reconcile()  # twice changes nothing
    w.core.on_ami({"Event": "Hangup", "Uniqueid": "x1", "Channel": "PJSIP/agent02-0000000a"})
    assert w.core.acd.agents["agent02"].state.value == "available" and empty(w)


async def test_feature_codes_change_the_agent_and_a_refusal_plays_invalid(tmp_path):
    w = World(tmp_path)
    agi = FakeAgi("f1", channel="PJSIP/agent01-00000003")
    for code, state in (("*71", "available"), ("*73", "paused"), ("*74", "available"),
                        ("*72", "logged_out")):
        agi.headers["agi_extension"] = code
        await w.engine.routes.feature(agi)
        assert w.core.acd.agents["agent01"].state.value == state
    agi.headers["agi_extension"] = "*73"  # pause while logged out: refused
    await w.engine.routes.feature(agi)
    assert agi.sent[-1] == 'STREAM FILE invalid ""'


async def test_a_thousand_calls_leave_nothing_behind(tmp_path):
    """Memory stays flat: every per-call entry is given back."""
    w = World(tmp_path, agents=("agent01", "agent02"))
    await login(w, "agent01", "agent02")
    template = recorded("answered")
    uid, legs = caller_uid(template), {e["Uniqueid"] for e in template}
    for n in range(1000):
        w.clock.now += 5
        rename = {u: f"{u}-{n}" for u in legs}
        events = [{**e, "Uniqueid": rename[e["Uniqueid"]],
                   **({"DestUniqueid": rename.get(e["DestUniqueid"], e["DestUniqueid"])}
                      if "DestUniqueid" in e else {})} for e in template]
        arrive(w, rename[uid])
        w.feed(events)
    assert w.core.stats.answered == 1000 and empty(w)
    assert w.core.acd.waiting() == []


async def test_a_callback_whose_hangup_was_missed_is_ended_by_reconcile(tmp_path):
    w = World(tmp_path, prompts=True, max_wait=0.05)
    agi = FakeAgi("c1", keys={"queue_callback\"": "1", "queue_callback ": "1"})
    await asyncio.wait_for(w.engine.routes.call(agi), 2)
    w.core.on_ami({"Event": "Hangup", "Uniqueid": "c1", "Channel": "PJSIP/trunk-c1"})
    await login(w, "agent01")
    await asyncio.sleep(0.01)
    assert w.core.acd.agents["agent01"].state.value == "talking"
    w.pbx.live = []  # the callback ended while AMI was down
    await w.engine.reconcile()
    assert empty(w) and w.core.acd.agents["agent01"].state.value == "available"


async def test_after_an_engine_restart_a_requeued_caller_keeps_its_skills(tmp_path):
    """The waiting room writes what the call needs on the channel; a new
    engine reads it back when the dialplan asks again."""
    w = World(tmp_path, agents=("agent01", "agent02"))
    w.core.acd.agents["agent02"].skills = frozenset({"sr", "vodovod"})
    await login(w, "agent01", "agent02")
    agi = FakeAgi("c1")
    agi.vars["KONTAKT_NEEDS"] = "sr,vodovod,bad value"
    await asyncio.wait_for(w.engine.routes.requeue(agi), 1)
    assert agi.vars["KONTAKT_ACTION"] == "dial:agent02"
    assert w.core.acd.calls["c1"].skills == ("sr", "vodovod")


async def test_the_ivr_farewell_plays_with_the_ring_not_before_it(tmp_path):
    bye = "/p/generated/sr/to_operator"
    w = World(tmp_path, router_outcome=Outcome(Action.QUEUE, "chose", farewell=bye))
    await login(w, "agent01")
    agi = FakeAgi("c1")
    task = asyncio.create_task(w.engine.routes.call(agi))
    await asyncio.sleep(0.01)
    # The agent is chosen while the caller hears it; the phone rings right after.
    assert agi.sent[-1] == f'GOSUB kontakt-ring s 1 "agent01,{bye}"'
    assert not any(line.startswith("STREAM FILE") for line in agi.sent)
    agi.ring_done("-1")  # the call is over
    await task


async def test_a_caller_who_must_wait_hears_the_farewell_first(tmp_path):
    bye = "/p/generated/sr/to_operator"
    w = World(tmp_path, router_outcome=Outcome(Action.QUEUE, "chose", farewell=bye))
    agi = FakeAgi("c1")  # nobody logged in: the caller waits
    task = asyncio.create_task(w.engine.routes.call(agi))
    await asyncio.sleep(0.05)
    assert f'STREAM FILE {bye} ""' in agi.sent
    agi.hung_up = True
    w.core.on_ami({"Event": "Hangup", "Uniqueid": "c1", "Channel": "PJSIP/trunk-c1"})
    await asyncio.wait_for(task, 5)
