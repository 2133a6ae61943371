from acd.distributor import Abandoned, Completed, Distributor, Offer, Queued


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
