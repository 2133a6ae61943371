"""The call ledger keeps an entry per live call only: after thousands of
calls (AMI event sequences as the rig sends them) nothing per call is left
but bounded memory of the last ones, and the figures are exact."""

from __future__ import annotations

from asterisk import ledger as ledger_module
from asterisk.ledger import Ledger


def answered_call(n: int, wait: float, *, citizen_first: bool = False) -> list[dict[str, str]]:
    uid, agent_uid, t = f"1.{n}", f"2.{n}", 1000.0 + n
    events = [
        {"Event": "Newexten", "Uniqueid": uid, "Channel": f"PJSIP/trunk-{n:08x}",
         "Context": "kontakt-inbound", "Timestamp": str(t)},
        {"Event": "VarSet", "Uniqueid": uid, "Variable": "KONTAKT_STATE", "Value": "waiting"},
        {"Event": "DialEnd", "Uniqueid": uid, "DialStatus": "ANSWER",
         "DestChannel": f"PJSIP/agent01-{n:08x}", "DestUniqueid": agent_uid,
         "Timestamp": str(t + wait)},
    ]
    citizen = [{"Event": "HangupRequest", "Uniqueid": uid}, {"Event": "Hangup", "Uniqueid": uid}]
    agent = [{"Event": "Hangup", "Uniqueid": agent_uid}]
    return events + (citizen + agent if citizen_first else agent + citizen)


def test_thousands_of_calls_leave_only_bounded_memory():
    led = Ledger()
    calls = ledger_module.RECENT + 500
    for n in range(calls):
        for ev in answered_call(n, wait=(n % 300) / 10, citizen_first=n % 2 == 0):
            led.feed(ev)
    assert led.legs == {} and led._agent_legs == {}
    assert len(led._closed) == len(led._closed_order) == ledger_module.CLOSED
    assert len(led.answer_waits) == ledger_module.RECENT
    figures = (led.offered, led.answered, led.lost, led.talking, led.waiting)
    assert figures == (calls, calls, 0, 0, 0)
    assert sum(led.wait_histogram.values()) == calls
    assert led.answered_within(29.9) == calls
    within_10 = sum(1 for n in range(calls) if (n % 300) / 10 <= 10)
    assert led.answered_within(10) == within_10


def test_a_late_event_for_a_recently_closed_call_does_not_count_it_again():
    led = Ledger()
    events = answered_call(1, wait=2.0)
    for ev in events:
        led.feed(ev)
    led.feed(events[0])  # a stray repeat of the first event
    assert (led.offered, led.in_progress) == (1, 0)
