import pytest

from acd.agent import TRANSITIONS, Agent, Event, State
from acd.errors import IllegalTransition


def test_every_state_has_a_row_and_illegal_events_change_nothing():
    for state in State:
        assert state in TRANSITIONS
        for event in Event:
            if event in TRANSITIONS[state]:
                continue
            a = Agent("agent01", state=state, since=5.0)
            with pytest.raises(IllegalTransition) as e:
                a.apply(event, 10.0, reason="break")
            assert e.value.code == "agent.illegal_transition"
            assert e.value.details["state"] == state.value
            assert e.value.details["event"] == event.value
            assert state.value in str(e.value) and event.value in str(e.value)
            assert (a.state, a.since) == (state, 5.0)


def test_pause_needs_a_known_reason_and_keeps_time():
    a = Agent("agent01")
    a.apply(Event.LOGIN, 1.0)
    with pytest.raises(IllegalTransition):
        a.apply(Event.PAUSE, 2.0, reason="nap")
    assert a.state is State.AVAILABLE
    a.apply(Event.PAUSE, 3.0, reason="training")
    assert (a.state, a.reason, a.since) == (State.PAUSED, "training", 3.0)
    a.apply(Event.READY, 4.0)
    assert (a.state, a.reason, a.since) == (State.AVAILABLE, None, 4.0)


def test_no_answer_pauses_with_reason_no_answer():
    a = Agent("agent01")
    a.apply(Event.LOGIN, 0.0)
    a.apply(Event.OFFER, 1.0)
    a.apply(Event.NO_ANSWER, 16.0)
    assert (a.state, a.reason) == (State.PAUSED, "no-answer")
