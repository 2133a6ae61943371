from acd.call import Call
from acd.pools import IdleAgents, WaitingCalls


def call(cid, seq, priority=5, language="sr", skills=()):
    return Call(cid, None, language, float(seq), seq, priority, skills=skills)


def test_waiting_calls_keep_arrival_order_per_priority_and_skill_set():
    w = WaitingCalls()
    a, b, c = call("a", 1), call("b", 2, priority=1), call("c", 3)
    v = call("v", 4, skills=("vodovod",))
    for x in (a, b, c, v):
        w.add(x)
    assert w.head(frozenset({"sr"})) == (1, 2, "b")
    assert [w.position(x) for x in (b, a, c, v)] == [1, 2, 3, 1]
    assert dict(w.heads()) == {frozenset({"sr"}): (1, 2, "b"),
                               frozenset({"sr", "vodovod"}): (5, 4, "v")}
    w.remove(a)
    assert w.position(c) == 2 and w.position(a) == 2  # the place it would take back
    w.add(a)  # back at its place, ahead of c
    assert w.position(c) == 3 and len(w) == 4


def test_waiting_pools_are_given_back_when_empty_and_removal_is_idempotent():
    w = WaitingCalls()
    a = call("a", 1, skills=("gas",))
    w.add(a)
    w.remove(a)
    w.remove(a)
    assert w._pools == {} and w.head(a.need) is None and list(w.heads()) == []


def test_idle_agents_per_skill_set_best_first():
    idle = IdleAgents()
    idle.add("agent01", frozenset({"sr"}), (0, 1.0, "agent01"))
    idle.add("agent02", frozenset({"sr", "vodovod"}), (0, 2.0, "agent02"))
    sr, vod = frozenset({"sr"}), frozenset({"sr", "vodovod"})
    assert (idle.best(sr), idle.best(vod), idle.best(frozenset({"hu"}))) == (
        "agent01", "agent02", None)
    idle.add("agent03", frozenset({"sr", "vodovod", "hu"}), (0, 0.5, "agent03"))
    assert (idle.best(sr), idle.best(vod)) == ("agent03", "agent03")  # idle longest
    idle.remove("agent03")
    idle.remove("agent03")
    assert (idle.best(sr), idle.best(vod)) == ("agent01", "agent02")
    idle.add("agent01", frozenset({"sr"}), (0, 9.0, "agent01"))  # again, a new key
    assert idle.best(sr) == "agent02" and "agent01" in idle and "agent03" not in idle
