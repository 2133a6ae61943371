import pytest

from acd.call import QUEUED, RINGING, TRANSITIONS, Call, CallEvent, CallState, needed_skills
from acd.errors import IllegalCallTransition, IllegalTransition

S, E = CallState, CallEvent
MISSING = [(s, e) for s in S for e in E if e not in TRANSITIONS[s]]
LEGAL = [(s, e, t) for s, row in TRANSITIONS.items() for e, t in row.items()]
NEEDS_AGENT = (E.OFFER, E.CLAIM)


def make(state=S.WAITING, agent=None):
    return Call("c1", "0214001001", "sr", 1.0, 7, state=state, since=5.0, agent=agent,
                history=[(5.0, state)])


def snapshot(c):
    return (c.state, c.since, list(c.history), c.agent, c.answered_at, c.callback, c.fast)


def test_every_state_has_a_row_and_the_old_strings_still_compare():
    assert set(TRANSITIONS) == set(S)
    assert TRANSITIONS[S.DONE] == {}
    assert [S.WAITING, S.OFFERED, S.CONNECTED, S.DONE] == ["waiting", "offered", "connected",
                                                           "done"]
    assert {S.WAITING, S.CALLBACK} == QUEUED and {S.OFFERED, S.CALLING_BACK} == RINGING


@pytest.mark.parametrize(("state", "event"), MISSING)
def test_every_missing_pair_is_refused_and_changes_nothing(state, event):
    c = make(state, agent="agent01" if state in RINGING or state is S.CONNECTED else None)
    before = snapshot(c)
    assert not c.can(event)
    with pytest.raises(IllegalTransition) as e:  # an IllegalCallTransition
        c.apply(event, 10.0, agent="agent02" if event in NEEDS_AGENT else None)
    assert isinstance(e.value, IllegalCallTransition)
    assert e.value.code == "call.illegal_transition"
    assert e.value.details == {"call": "c1", "state": state.value, "event": event.value}
    assert "c1" in str(e.value) and state.value in str(e.value) and event.value in str(e.value)
    assert snapshot(c) == before


@pytest.mark.parametrize(("state", "event", "target"), LEGAL)
def test_every_legal_transition(state, event, target):
    c = make(state, agent="agent01" if state in RINGING or state is S.CONNECTED else None)
    assert c.can(event)
    assert c.apply(event, 10.0, agent="agent02" if event in NEEDS_AGENT else None) is target
    assert c.state is target
    assert c.history == [(5.0, state), (10.0, target)]
    assert c.since == (10.0 if target is not state else 5.0)
    if event in NEEDS_AGENT:
        assert (c.agent, c.fast) == ("agent02", event is E.CLAIM)
    elif event in (E.NO_ANSWER, E.RETRACT):
        assert (c.agent, c.fast) == (None, False)  # back in its place, no agent
    else:
        assert c.agent == (None if state in QUEUED else "agent01")
    assert c.answered_at == (10.0 if event is E.ANSWER else None)
    assert c.callback == (event is E.REQUEST_CALLBACK)
    assert c.seq == 7  # the place never changes


@pytest.mark.parametrize("event", NEEDS_AGENT)
def test_an_offer_needs_an_agent_and_nothing_else_takes_one(event):
    c = make()
    with pytest.raises(IllegalCallTransition, match="needs an agent"):
        c.apply(event, 10.0)
    assert snapshot(c) == snapshot(make())
    with pytest.raises(IllegalCallTransition, match="takes no agent"):
        c.apply(E.CALLER_GONE, 10.0, agent="agent01")
    assert snapshot(c) == snapshot(make())


def test_a_callback_keeps_being_a_callback_through_unanswered_offers():
    c = make()
    c.apply(E.REQUEST_CALLBACK, 2.0)
    c.apply(E.CALLER_GONE, 3.0)  # the citizen hangs up: expected
    c.apply(E.OFFER, 4.0, agent="agent01")
    c.apply(E.CALLER_GONE, 4.5)  # its first channel's hang-up arriving late
    assert (c.state, c.agent) == (S.CALLING_BACK, "agent01")
    c.apply(E.NO_ANSWER, 20.0)
    assert (c.state, c.agent, c.callback) == (S.CALLBACK, None, True)
    c.apply(E.OFFER, 21.0, agent="agent02")
    c.apply(E.ANSWER, 22.0)
    c.apply(E.CALLER_GONE, 90.0)  # the callback leg ends
    assert (c.state, c.answered_at, c.callback) == (S.DONE, 22.0, True)


def test_history_keeps_the_recent_past_only():
    c = make()
    for t in range(40):
        c.apply(E.OFFER, float(t), agent="agent01")
        c.apply(E.NO_ANSWER, t + 0.5)
    assert len(c.history) == 50 and c.history[-1] == (39.5, S.WAITING)


def test_needed_skills_put_the_language_first_once():
    assert needed_skills("sr") == ("sr",)
    assert needed_skills("sr", ("vodovod",)) == ("sr", "vodovod")
    assert needed_skills("sr", ("sr", "vodovod", "sr")) == ("sr", "vodovod")
    c = Call("c", None, "hu", 0.0, 1, skills=("vodovod", "hu"))
    assert c.skills == ("hu", "vodovod") and c.need == frozenset({"hu", "vodovod"})
