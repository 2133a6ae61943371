import pytest

from acd.agent import TRANSITIONS, Agent, Event, State
from acd.errors import IllegalTransition

MISSING = [(s, e) for s in State for e in Event if e not in TRANSITIONS[s]]
LEGAL = [(s, e, t) for s, row in TRANSITIONS.items() for e, t in row.items()]


def test_every_state_has_a_row():
    assert set(TRANSITIONS) == set(State)
    assert all(isinstance(t, State) for _, _, t in LEGAL)


@pytest.mark.parametrize(("state", "event"), MISSING)
def test_every_missing_pair_is_refused_and_changes_nothing(state, event):
    a = Agent("agent01", state=state, since=5.0, call_id="c1", history=[(5.0, state, None)])
    with pytest.raises(IllegalTransition) as e:
        a.apply(event, 10.0, reason="break")
    assert e.value.code == "agent.illegal_transition"
    assert e.value.details == {"agent": "agent01", "state": state.value, "event": event.value}
    assert state.value in str(e.value) and event.value in str(e.value)
    assert (a.state, a.since, a.call_id, a.calls) == (state, 5.0, "c1", 0)
    assert a.history == [(5.0, state, None)]


@pytest.mark.parametrize(("state", "event", "target"), LEGAL)
def test_every_legal_transition(state, event, target):
    a = Agent("agent01", state=state, since=5.0, call_id="c1")
    reason = "training" if event is Event.PAUSE else None
    assert a.apply(event, 10.0, reason=reason) is target
    assert a.state is target
    assert a.reason == {Event.PAUSE: "training", Event.NO_ANSWER: "no-answer"}.get(event)
    assert a.history == [(10.0, target, a.reason)]
    changed = target is not state or a.reason is not None
    assert a.since == (10.0 if changed else 5.0)
    assert a.calls == (1 if event in (Event.ANSWER, Event.BUSY_ELSEWHERE) else 0)
    freed = target in (State.AVAILABLE, State.PAUSED, State.LOGGED_OUT)
    assert a.call_id == (None if freed else "c1")


def test_each_happening_is_one_event():
    a = Agent("agent01", state=State.AVAILABLE)
    a.apply(Event.BUSY_ELSEWHERE, 1.0)  # a call the engine did not place
    a.apply(Event.FREED, 2.0)
    a.apply(Event.OFFER, 3.0)
    a.apply(Event.ANSWER, 4.0)
    a.apply(Event.HANGUP_NO_WRAPUP, 5.0)
    a.apply(Event.OFFER, 6.0)
    a.apply(Event.RETRACT, 7.0)  # another call took its queue first: not its fault
    assert [s for _, s, _ in a.history] == [
        State.TALKING, State.AVAILABLE, State.RINGING, State.TALKING, State.AVAILABLE,
        State.RINGING, State.AVAILABLE,
    ]
    assert (a.calls, a.reason) == (2, None)


def test_a_repeated_login_while_paused_keeps_the_reason_and_time():
    a = Agent("agent01", state=State.PAUSED, reason="meeting", since=5.0)
    a.apply(Event.LOGIN, 10.0)
    assert (a.state, a.reason, a.since) == (State.PAUSED, "meeting", 5.0)


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
