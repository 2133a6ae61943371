"""Blended operators: capacities per channel, first come first served per
channel and language, calls held off at text capacity."""

from __future__ import annotations

import pytest

from acd.blend import Assigned, Blender, Capacity, QueueMoved, Requeued, parse_capacity
from acd.commands import Offer
from acd.conversation import Channel, Conversation, ConvEvent, ConvState
from acd.distributor import Distributor
from acd.errors import BadCapacity


def setup(*agents: tuple[str, tuple[str, ...]], **kw) -> tuple[Distributor, Blender]:
    acd = Distributor()
    for agent_id, skills in agents:
        acd.add_agent(agent_id, skills)
    return acd, Blender(acd, **kw)


def new(i: int, channel: Channel = Channel.CHAT, language: str = "sr",
        priority: int = 5) -> Conversation:
    return Conversation(i, channel, f"addr{i}", language, float(i), 0, priority)


def assigned(out) -> list[tuple[int, str]]:
    return [(c.conversation, c.agent_id) for c in out if isinstance(c, Assigned)]


def test_parse_capacity():
    assert parse_capacity("chat=2, text=4") == Capacity(call=1, chat=2, text=4)
    assert parse_capacity("") == Capacity()
    for bad in ("chat", "fax=1", "chat=-1", "chat=x"):
        with pytest.raises(BadCapacity):
            parse_capacity(bad)


def test_up_to_three_texts_then_held_off_calls():
    acd, b = setup(("a1", ("sr",)))
    acd.login("a1", 0.0)
    for i in range(1, 5):
        out = b.arrived(new(i), float(i))
    assert [b.conversations[i].agent for i in (1, 2, 3)] == ["a1"] * 3
    assert b.conversations[4].state is ConvState.QUEUED and b.position(4) == 1
    assert b.load("a1") == {"call": 0, "chat": 3, "sms": 0, "email": 0}
    # at text capacity: a call waits rather than ringing this operator
    assert not [c for c in acd.call_arrived("call1", 5.0) if isinstance(c, Offer)]
    # one chat ends: the waiting chat takes the slot (the call still waits)
    out = b.step(1, ConvEvent.CLOSE, 6.0)
    assert assigned(out) == [(4, "a1")]
    out = b.step(2, ConvEvent.CLOSE, 7.0)  # now under capacity: the call is offered
    assert [c for c in out if isinstance(c, Offer)] == [Offer("call1", "a1")]
    # on a call: no new texts (text_during_call is off)
    assert assigned(b.arrived(new(9), 8.0)) == []


def test_calls_at_text_capacity_when_configured():
    acd, b = setup(("a1", ("sr",)), call_at_text_capacity=True)
    acd.login("a1", 0.0)
    for i in range(1, 4):
        b.arrived(new(i), float(i))
    assert [c for c in acd.call_arrived("call1", 5.0) if isinstance(c, Offer)]


def test_operator_with_a_chat_still_takes_a_call_under_capacity():
    acd, b = setup(("a1", ("sr",)))
    acd.login("a1", 0.0)
    b.arrived(new(1), 1.0)
    assert [c for c in acd.call_arrived("call1", 2.0) if isinstance(c, Offer)]


def test_least_loaded_speaker_of_the_language_first_and_fcfs_per_priority():
    acd, b = setup(("a1", ("sr",)), ("a2", ("sr", "hu")))
    acd.login("a1", 0.0)
    acd.login("a2", 0.0)
    assert assigned(b.arrived(new(1), 1.0)) == [(1, "a1")]
    assert assigned(b.arrived(new(2), 2.0)) == [(2, "a2")]  # less loaded
    assert assigned(b.arrived(new(3, language="hu"), 3.0)) == [(3, "a2")]
    acd.pause("a1", 4.0, "break")
    acd.pause("a2", 4.0, "break")
    b.sync(4.0)
    b.arrived(new(4), 5.0)
    b.arrived(new(5, priority=1), 6.0)
    b.arrived(new(6, channel=Channel.SMS), 6.5)
    assert [c.id for c in b.waiting()] == [5, 4, 6]
    assert b.position(4) == 2 and b.position(6) == 1  # per channel and language
    assert b.expected_wait(4) > 0
    acd.ready("a1", 7.0)
    out = b.sync(7.0)
    # the higher priority first; a1 is then at 3 texts and the SMS waits
    assert assigned(out) == [(5, "a1"), (4, "a1")]
    assert [c.id for c in b.waiting()] == [6]


def test_sms_and_email_capacity_per_channel():
    acd, b = setup(("a1", ("sr",)), per_agent={"a1": Capacity(chat=1, sms=0, text=3)})
    acd.login("a1", 0.0)
    assert assigned(b.arrived(new(1, Channel.SMS), 1.0)) == []
    assert assigned(b.arrived(new(2), 2.0)) == [(2, "a1")]
    assert assigned(b.arrived(new(3), 3.0)) == []  # one chat at most
    assert assigned(b.arrived(new(4, Channel.EMAIL), 4.0)) == [(4, "a1")]


def test_logout_puts_conversations_back_at_their_place():
    acd, b = setup(("a1", ("sr",)), ("a2", ("sr",)))
    acd.login("a1", 0.0)
    b.arrived(new(1), 1.0)
    b.arrived(new(2), 2.0)  # both with a1... no: least loaded, a2 is logged out
    assert b.conversations[1].agent == "a1" == b.conversations[2].agent
    acd.logout("a1", 3.0)
    out = b.sync(3.0)
    assert [c for c in out if isinstance(c, Requeued)]
    assert [c.id for c in b.waiting()] == [1, 2]
    acd.login("a2", 4.0)
    assert assigned(b.sync(4.0)) == [(1, "a2"), (2, "a2")]


def test_text_only_operator_is_never_offered_a_call():
    acd, b = setup(("a1", ("sr",)), per_agent={"a1": Capacity(call=0)})
    acd.login("a1", 0.0)
    b.sync(0.0)
    assert not [c for c in acd.call_arrived("call1", 1.0) if isinstance(c, Offer)]
    assert acd.next_free("sr") is None


def test_ended_conversation_is_forgotten_and_fallback_leaves_the_queue():
    _acd, b = setup(("a1", ("sr",)))
    out = b.arrived(new(1), 1.0)
    assert any(isinstance(c, QueueMoved) for c in out)
    assert b.overdue(200.0, 120.0) == [1]
    b.step(1, ConvEvent.WAIT_TIMEOUT, 200.0)
    assert b.waiting() == [] and b.overdue(300.0, 120.0) == []
    b.step(1, ConvEvent.LEAVE_MESSAGE, 210.0)
    assert 1 not in b.conversations


def test_a_floor_without_texts_is_quiet_and_its_sync_changes_nothing():
    acd, b = setup(("a1", ("sr",)), ("a2", ("sr",)))
    acd.login("a1", 0.0)
    assert b.quiet() and b.sync(1.0) == []
    b.arrived(new(1), 2.0)  # with a1 now
    assert not b.quiet()
    acd.logout("a1", 3.0)
    assert [c for c in b.sync(3.0) if isinstance(c, Requeued)]  # back in the queue


def test_text_only_capacity_for_all_holds_each_operator_off_calls_at_login():
    acd, b = setup(("a1", ("sr",)), capacity=Capacity(call=0))
    assert not b.quiet()
    acd.login("a1", 0.0)
    b.sync(0.0)
    assert "a1" in acd.no_calls and acd.next_free("sr") is None
