"""The pure AMI translator, on traffic recorded from the real rig."""

from __future__ import annotations

import pytest
from fakes import caller_uid, recorded

from asterisk.ami_events import (
    Claimed,
    DialStatus,
    HangupAsked,
    LegHungUp,
    RingEnded,
    RingStarted,
    agent_of,
    translate,
)


def typed(name: str) -> list[object]:
    return [t for e in recorded(name) if (t := translate(e)) is not None]


def test_an_answered_call_reads_as_ring_answer_agent_hangs_up_then_both_legs_go():
    events = recorded("answered")
    uid = caller_uid(events)
    out = typed("answered")
    [ring] = [t for t in out if isinstance(t, RingStarted)]
    assert (ring.caller_uid, ring.agent) == (uid, "agent01") and ring.leg_uid
    assert [t.status for t in out if isinstance(t, RingEnded)] == [DialStatus.ANSWER]
    asked = [t for t in out if isinstance(t, HangupAsked)]
    assert asked[0].uid == ring.leg_uid  # the agent's phone hung up first
    assert {t.uid for t in out if isinstance(t, LegHungUp)} == {uid, ring.leg_uid}


def test_an_unanswered_ring_says_noanswer_then_cancel():
    out = typed("no_answer_then_next")
    statuses = [(t.agent, t.status) for t in out if isinstance(t, RingEnded)]
    assert statuses[0] == ("agent01", DialStatus.NOANSWER)
    assert statuses[-1] == ("agent02", DialStatus.ANSWER)
    assert DialStatus.NOANSWER.not_reached and not DialStatus.CANCEL.not_reached


def test_the_fast_path_is_a_claim_on_the_agent_queue():
    [claim] = [t for t in typed("fast_path_claimed") if isinstance(t, Claimed)]
    assert claim.agent == "agent01" and claim.caller == "0214001000"
    assert claim.channel.startswith("PJSIP/trunk-")


@pytest.mark.parametrize("raw", [
    {}, {"Event": "Hangup"},  # no uniqueid
    {"Event": "DialEnd", "Uniqueid": "1", "DestChannel": "PJSIP/city-0001"},  # not an agent
    {"Event": "QueueCallerJoin", "Uniqueid": "1", "Queue": "kontakt"},  # the fallback queue
    {"Event": "Newexten", "Uniqueid": "1"},
    {"Event": "DialBegin", "Uniqueid": "1", "DestChannel": "PJSIP/agent1;evil-01"},
])
def test_what_the_core_does_not_act_on_translates_to_nothing(raw):
    assert translate(raw) is None


def test_an_unknown_dial_status_is_other_not_an_error():
    t = translate({"Event": "DialEnd", "Uniqueid": "1", "DestChannel": "PJSIP/agent03-0a",
                   "DialStatus": "TORTURE"})
    assert isinstance(t, RingEnded) and t.status is DialStatus.OTHER and not t.status.final


def test_agent_of_reads_only_agent_channels():
    assert agent_of("PJSIP/agent07-0000002a") == "agent07"
    assert agent_of("PJSIP/trunk-00000001") is None
    assert agent_of("PJSIP/agent07") is None


def test_a_centre_of_a_hundred_seats_and_more_has_three_digit_agents():
    assert agent_of("PJSIP/agent142-0000002a") == "agent142"
    assert agent_of("PJSIP/agent1420-0000002a") is None
    claim = translate({"Event": "QueueCallerJoin", "Uniqueid": "1", "Queue": "kontakt-agent200",
                       "CallerIDNum": "0214000001", "Channel": "PJSIP/trunk-01"})
    assert claim is not None and claim.agent == "agent200"  # type: ignore[union-attr]
