import pytest

from acd.agent import State
from acd.distributor import (
    Abandoned,
    AgentChanged,
    Call,
    Command,
    Completed,
    Distributor,
    Offer,
    Queued,
)
from acd.errors import IllegalCallTransition


def test_the_names_callers_import_are_still_there():
    assert Call.__module__ == "acd.call" and Offer.__module__ == "acd.commands"
    assert set(Command.__args__) == {Offer, Queued, AgentChanged, Abandoned, Completed}


def offers(cmds):
    return [(c.call_id, c.agent_id) for c in cmds if isinstance(c, Offer)]


def make(n=3, wrapup=0.0):
    d = Distributor(wrapup=wrapup)
    for i in range(1, n + 1):
        d.add_agent(f"agent{i:02d}")
        d.login(f"agent{i:02d}", now=float(i))
    return d


def test_twenty_talk_and_the_21st_waits():
    d = make(20)
    for i in range(21):
        cmds = d.call_arrived(f"c{i}", now=100.0 + i)
        if i < 20:
            d.answered(f"c{i}", 100.5 + i)
    assert isinstance(cmds[-1], Queued) and cmds[-1].position == 1
    assert sum(a.state.value == "talking" for a in d.agents.values()) == 20


def test_longest_idle_agent_takes_the_call():
    d = make(3)
    assert offers(d.call_arrived("c1", 10.0)) == [("c1", "agent01")]
    assert offers(d.call_arrived("c2", 11.0)) == [("c2", "agent02")]


def test_waiting_callers_served_in_arrival_order():
    d = make(1)
    d.call_arrived("c0", 1.0)
    d.answered("c0", 1.1)
    for i in range(1, 5):
        d.call_arrived(f"c{i}", 2.0 + i)
    served = []
    current = "c0"
    for t in range(10, 14):
        cmds = d.call_gone(current, float(t))
        assert any(isinstance(c, Completed) for c in cmds)
        ((current, _),) = offers(cmds)
        d.answered(current, t + 0.1)
        served.append(current)
    assert served == ["c1", "c2", "c3", "c4"]


def test_no_answer_pauses_agent_and_caller_keeps_its_place():
    d = make(2)
    d.call_arrived("a", 1.0)
    d.answered("a", 1.1)
    d.call_arrived("b", 2.0)  # offered to agent02
    d.call_arrived("c", 3.0)  # waits, position 1
    cmds = d.no_answer("b", 17.0)
    assert d.agents["agent02"].reason == "no-answer"
    assert [c.position for c in cmds if isinstance(c, Queued)] == [1]
    assert d.position("c") == 2  # b is ahead again
    cmds = d.call_gone("a", 20.0)
    assert offers(cmds) == [("b", "agent01")]


def test_abandon_records_wait_and_position():
    d = make(1)
    d.call_arrived("a", 0.0)
    d.call_arrived("b", 1.0)
    d.call_arrived("c", 2.0)
    cmds = d.call_gone("c", 12.0)
    assert cmds == [Abandoned("c", 10.0, 2)]


def test_language_skill_and_penalty():
    d = Distributor()
    d.add_agent("agent01", ["sr"])
    d.add_agent("agent02", ["sr", "hu"], penalty=1)
    d.login("agent01", 0.0)
    d.login("agent02", 0.0)
    assert offers(d.call_arrived("h", 1.0, language="hu")) == [("h", "agent02")]
    d.call_gone("h", 2.0)
    assert offers(d.call_arrived("s", 3.0, language="sr")) == [("s", "agent01")]


def test_wrapup_holds_agent_until_tick():
    d = make(1, wrapup=5.0)
    d.call_arrived("a", 0.0)
    d.answered("a", 0.5)
    d.call_arrived("b", 1.0)
    assert offers(d.call_gone("a", 10.0)) == []
    assert d.tick(12.0) == []
    assert offers(d.tick(15.0)) == [("b", "agent01")]


def test_callback_keeps_its_place_and_survives_the_hangup():
    d = make(1)
    d.call_arrived("a", 0.0)
    d.answered("a", 0.1)
    d.call_arrived("b", 1.0)
    d.call_arrived("c", 2.0)
    d.request_callback("b", "+381214001001", 5.0)
    assert d.call_gone("b", 6.0) == []  # the citizen hangs up, the request stays
    assert offers(d.call_gone("a", 9.0)) == [("b", "agent01")]
    assert d.calls["b"].callback and d.calls["b"].caller == "+381214001001"


def test_fewest_calls_strategy():
    d = Distributor(strategy="fewest-calls")
    for i in (1, 2):
        d.add_agent(f"agent{i:02d}")
        d.login(f"agent{i:02d}", float(i))
    d.agents["agent01"].calls = 5
    d._reindex(d.agents["agent01"])
    assert offers(d.call_arrived("x", 10.0)) == [("x", "agent02")]


def test_agent_leaving_a_transferred_call_is_free_and_the_call_complete():
    d = make(1)
    d.call_arrived("a", 0.0)
    d.answered("a", 1.0)
    d.call_arrived("b", 2.0)
    cmds = d.agent_gone("a", 5.0)  # the citizen was transferred to a department
    assert [type(c).__name__ for c in cmds][:1] == ["Completed"]
    assert offers(cmds) == [("b", "agent01")]
    assert d.call_gone("a", 60.0) == []  # the citizen's later hang-up changes nothing


def test_fast_path_claim_takes_the_published_agent_and_keeps_the_loser_in_place():
    d = make(2)
    assert d.next_free("sr") == "agent01"
    cmds = d.claimed("agent01", "fast", 5.0)
    assert offers(cmds) == [("fast", "agent01")]
    assert d.next_free("sr") == "agent02"
    d.call_arrived("slow", 6.0)  # the engine offers agent02 ...
    cmds = d.claimed("agent02", "fast2", 6.1)  # ... which the dialplan took meanwhile
    assert offers(cmds) == [("fast2", "agent02")]
    assert d.calls["slow"].state == "waiting" and d.position("slow") == 1
    assert d.next_free("sr") is None


def test_retract_when_another_call_took_the_agent_first():
    d = make(1)
    d.call_arrived("w", 1.0)  # offered agent01 by the engine
    assert d.calls["w"].state == "offered"
    d.claimed("agent01", "f", 1.001)  # the dialplan's call joined agent01's queue first
    assert d.calls["w"].state == "waiting"
    assert d.retract("w", 1.002) == []  # already back in its place
    d2 = make(1)
    d2.call_arrived("w", 1.0)
    cmds = d2.retract("w", 1.1)  # full queue seen before the taker's claim
    assert offers(cmds) == [("w", "agent01")]  # offered again; the claim, when it comes, moves it


# -- each happening is one agent event ---------------------------------------
def test_busy_elsewhere_and_free_again_are_one_event_each():
    d = make(1)
    a = d.agents["agent01"]
    d.busy_elsewhere("agent01", 5.0)
    assert a.state is State.TALKING and a.history[-1] == (5.0, State.TALKING, None)
    assert d.next_free("sr") is None
    d.call_arrived("c", 6.0)  # waits: the agent is on a call we did not place
    assert d.calls["c"].state == "waiting"
    assert d.busy_elsewhere("agent01", 6.5) == []  # already busy
    cmds = d.free_again("agent01", 7.0)
    assert [s for _, s, _ in a.history[-3:]] == [State.TALKING, State.AVAILABLE, State.RINGING]
    assert offers(cmds) == [("c", "agent01")]
    assert d.free_again("agent01", 8.0) == []  # ringing for our call: not freed


def test_hangup_without_wrapup_is_one_event():
    d = make(1)
    d.call_arrived("c", 1.0)
    d.answered("c", 2.0)
    cmds = d.call_gone("c", 9.0)
    assert cmds == [Completed("c", "agent01", 1.0, 7.0),
                    AgentChanged("agent01", "available", None)]
    assert [s for _, s, _ in d.agents["agent01"].history[-2:]] == [State.TALKING, State.AVAILABLE]
    assert "c" not in d.calls  # forgotten once done


# -- the call's table through the distributor --------------------------------
def test_an_illegal_call_event_raises_naming_the_call_and_changes_nothing():
    d = make(1)
    d.call_arrived("a", 1.0)
    d.answered("a", 1.1)
    d.call_arrived("b", 2.0)
    before = (d.calls["b"].state, list(d.calls["b"].history), d.agents["agent01"].state)
    with pytest.raises(IllegalCallTransition) as e:
        d.answered("b", 3.0)
    assert e.value.details == {"call": "b", "state": "waiting", "event": "answer"}
    with pytest.raises(IllegalCallTransition) as e:
        d.request_callback("a", "+381214001001", 3.0)
    assert e.value.details == {"call": "a", "state": "connected", "event": "request_callback"}
    assert (d.calls["b"].state, d.calls["b"].history, d.agents["agent01"].state) == before
    assert d.calls["a"].caller is None and not d.calls["a"].callback


def test_every_change_of_a_call_is_in_its_history():
    d = make(1)
    d.call_arrived("a", 1.0)
    d.no_answer("a", 16.0)
    d.ready("agent01", 17.0)
    d.answered("a", 18.0)
    assert d.calls["a"].history == [(1.0, "offered"), (16.0, "waiting"), (17.0, "offered"),
                                    (18.0, "connected")]
    assert d.calls["a"].since == 18.0


def test_a_late_hangup_of_the_first_channel_leaves_the_callback_ringing():
    d = make(1)
    d.call_arrived("a", 0.0)
    d.answered("a", 0.1)
    d.call_arrived("b", 1.0)
    d.request_callback("b", "+381214001001", 5.0)
    assert d.calls["b"].state == "callback" and d.waiting() == [d.calls["b"]]
    assert offers(d.call_gone("a", 6.0)) == [("b", "agent01")]
    assert d.calls["b"].state == "calling_back"
    assert d.call_gone("b", 6.5) == []  # the citizen's channel, hanging up after the thanks
    assert d.agents["agent01"].state is State.RINGING
    cmds = d.no_answer("b", 30.0)  # the agent did not take the callback
    assert d.calls["b"].state == "callback"
    assert [c.position for c in cmds if isinstance(c, Queued)] == [1]
    d.ready("agent01", 31.0)
    d.answered("b", 32.0)
    assert isinstance(d.call_gone("b", 90.0)[0], Completed)  # the callback leg ends it
    assert "b" not in d.calls


# -- skills -------------------------------------------------------------------
def skilled():
    d = Distributor()
    d.add_agent("agent01", ["sr"])  # idle longest
    d.add_agent("agent02", ["sr", "vodovod"])
    d.add_agent("agent03", ["sr", "hu", "vodovod"], penalty=1)
    for i, a in enumerate(("agent01", "agent02", "agent03")):
        d.login(a, float(i))
    return d


def test_a_call_needing_a_skill_passes_over_the_agent_idle_longest_without_it():
    d = skilled()
    assert offers(d.call_arrived("v", 10.0, skills=("sr", "vodovod"))) == [("v", "agent02")]
    assert offers(d.call_arrived("s", 11.0)) == [("s", "agent01")]


def test_skills_given_without_the_language_still_need_it():
    d = skilled()
    cmds = d.call_arrived("h", 10.0, language="hu", skills=("vodovod",))
    assert offers(cmds) == [("h", "agent03")] and d.calls["h"].skills == ("hu", "vodovod")


def test_a_skilled_call_waits_for_an_agent_who_has_every_skill():
    d = skilled()
    d.call_arrived("x", 10.0)
    d.call_arrived("y", 10.5)
    d.answered("x", 11.0)
    d.answered("y", 11.0)  # agent01 and agent02 talk, agent03 (sr, hu, vodovod) is free
    cmds = d.call_arrived("g", 12.0, skills=("sr", "gas"))
    assert offers(cmds) == [] and d.calls["g"].state == "waiting"
    assert d.next_free("sr") == "agent03"  # a plain sr call would still get agent03
    cmds = d.call_gone("x", 20.0)  # agent01 has only sr: the gas call keeps waiting
    assert offers(cmds) == [] and d.position("g") == 1


def test_an_agent_who_frees_takes_the_oldest_call_it_can_take():
    d = skilled()
    for cid in ("x", "y", "z"):
        d.call_arrived(cid, 10.0)
        d.answered(cid, 10.5)
    d.call_arrived("v1", 11.0, skills=("sr", "vodovod"))
    d.call_arrived("s1", 12.0)
    d.call_arrived("v2", 13.0, skills=("sr", "vodovod"))
    assert offers(d.call_gone("x", 20.0)) == [("s1", "agent01")]  # v1 is older, not its skill
    assert offers(d.call_gone("y", 21.0)) == [("v1", "agent02")]  # agent02: the oldest of all
    d.answered("v1", 22.0)
    assert offers(d.call_gone("z", 23.0)) == [("v2", "agent03")]


def test_priority_first_then_arrival_among_the_calls_an_agent_can_take():
    d = skilled()
    for cid in ("x", "y", "z"):
        d.call_arrived(cid, 10.0)
        d.answered(cid, 10.5)
    d.call_arrived("late-urgent", 12.0, priority=1, skills=("sr", "vodovod"))
    d.call_arrived("early", 11.0)
    assert offers(d.call_gone("y", 20.0)) == [("late-urgent", "agent02")]


def test_no_answer_keeps_a_skilled_callers_place():
    d = skilled()
    d.call_arrived("x", 10.0)  # agent01
    d.answered("x", 10.5)
    d.call_arrived("v1", 11.0, skills=("sr", "vodovod"))  # agent02
    d.call_arrived("v2", 12.0, skills=("sr", "vodovod"))  # agent03
    d.answered("v2", 12.5)
    d.call_arrived("v3", 13.0, skills=("sr", "vodovod"))  # waits
    cmds = d.no_answer("v1", 26.0)
    assert [c.position for c in cmds if isinstance(c, Queued)] == [1]
    assert d.position("v3") == 2
    assert offers(d.call_gone("v2", 30.0)) == [("v1", "agent03")]


def test_lowest_penalty_then_longest_idle_among_the_agents_who_can():
    d = Distributor()
    d.add_agent("agent01", ["sr", "vodovod"], penalty=2)  # idle longest, high penalty
    d.add_agent("agent02", ["sr", "vodovod"])
    d.add_agent("agent03", ["sr", "vodovod"])
    for i, a in enumerate(("agent01", "agent02", "agent03")):
        d.login(a, float(i))
    assert offers(d.call_arrived("v1", 10.0, skills=("sr", "vodovod"))) == [("v1", "agent02")]
    assert offers(d.call_arrived("v2", 11.0, skills=("sr", "vodovod"))) == [("v2", "agent03")]
    assert offers(d.call_arrived("v3", 12.0, skills=("sr", "vodovod"))) == [("v3", "agent01")]


def test_position_and_expected_wait_count_the_same_skill_set():
    d = skilled()
    for cid in ("x", "y", "z"):
        d.call_arrived(cid, 10.0)
        d.answered(cid, 10.5)
    d.call_arrived("s1", 11.0)
    d.call_arrived("v1", 12.0, skills=("sr", "vodovod"))
    d.call_arrived("s2", 13.0)
    d.call_arrived("v2", 14.0, skills=("vodovod", "sr"))  # the same set in another order
    assert [d.position(c) for c in ("s1", "v1", "s2", "v2")] == [1, 1, 2, 2]
    # sr calls: 3 agents can take them; sr+vodovod calls: 2 (agent02, agent03)
    assert d.expected_wait("s2") == 2 * 180.0 / 3
    assert d.expected_wait("v2") == 2 * 180.0 / 2


def test_the_fast_path_claim_records_the_skills_and_waits_for_them_on_no_answer():
    d = skilled()
    cmds = d.claimed("agent01", "f", 5.0, skills=("sr", "vodovod"))
    assert offers(cmds) == [("f", "agent01")]
    d.call_arrived("y", 5.5)  # agent02
    d.answered("y", 6.0)
    d.call_arrived("z", 6.5)  # agent03
    d.answered("z", 7.0)
    cmds = d.no_answer("f", 20.0)  # agent01 paused, no agent with vodovod is free
    assert offers(cmds) == [] and d.calls["f"].state == "waiting" and not d.calls["f"].fast
    assert offers(d.call_gone("y", 30.0)) == [("f", "agent02")]
