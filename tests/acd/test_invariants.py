"""Random walks through the distributor: after every input its indexes agree
with the states, and no waiting call is left beside an agent who could take it."""

import random

import pytest

from acd.agent import State
from acd.call import QUEUED, RINGING, CallState
from acd.distributor import Distributor, Offer

SKILLS = ("vodovod", "gas", "parking")
LANGS = ("sr", "hu")


def build(rng: random.Random, wrapup: float) -> Distributor:
    d = Distributor(wrapup=wrapup, strategy=rng.choice(("longest-idle", "fewest-calls")))
    for i in range(1, 9):
        skills = {rng.choice(LANGS), *rng.sample(SKILLS, rng.randint(0, 2))}
        if i % 3 == 0:
            skills.add("sr")
        d.add_agent(f"agent{i:02d}", sorted(skills), penalty=rng.randint(0, 1))
        d.login(f"agent{i:02d}", float(i))
    return d


def check(d: Distributor) -> None:
    queued = [c for c in d.calls.values() if c.state in QUEUED]
    assert len(d._waiting) == len(queued)
    for c in queued:
        same = [o for o in queued if o.need == c.need and (o.priority, o.seq) < (c.priority, c.seq)]
        assert d.position(c.id) == 1 + len(same)
    available = [a for a in d.agents.values() if a.state is State.AVAILABLE]
    assert {a.id for a in d.agents.values() if a.id in d._idle} == {a.id for a in available}
    for c in queued:  # nobody who could take a waiting call is left idle
        assert not [a.id for a in available if c.need <= a.skills], (c, available)
    for need in {c.need for c in d.calls.values()} | {frozenset({lang}) for lang in LANGS}:
        fit = [a for a in available if need <= a.skills]
        best = min(fit, key=d._agent_key).id if fit else None
        assert d._idle.best(need) == best
    for a in d.agents.values():
        if a.state is State.RINGING:
            assert d.calls[a.call_id].state in RINGING and d.calls[a.call_id].agent == a.id
    for c in d.calls.values():
        assert c.state is not CallState.DONE
        if c.state in RINGING or c.state is CallState.CONNECTED:
            assert d.agents[c.agent].call_id == c.id
            expected = State.RINGING if c.state in RINGING else State.TALKING
            assert d.agents[c.agent].state is expected


def step(d: Distributor, rng: random.Random, now: float, n: int) -> None:
    calls = list(d.calls.values())
    pick = rng.random()
    ringing = [c for c in calls if c.state in RINGING]
    if pick < 0.22 or not calls:
        skills = tuple(rng.sample(SKILLS, rng.randint(0, 1)))
        d.call_arrived(f"c{n}", now, language=rng.choice(LANGS), skills=skills,
                       priority=rng.choice((1, 5, 5, 5)))
    elif pick < 0.45 and ringing:
        d.answered(rng.choice(ringing).id, now)
    elif pick < 0.5 and ringing:
        d.no_answer(rng.choice(ringing).id, now)
    elif pick < 0.53 and ringing:
        d.retract(rng.choice(ringing).id, now)
    elif pick < 0.7:
        d.call_gone(rng.choice(calls).id, now)
    elif pick < 0.75:
        d.agent_gone(rng.choice(calls).id, now)
    elif pick < 0.8:
        waiting = [c for c in calls if c.state is CallState.WAITING]
        if waiting:
            d.request_callback(rng.choice(waiting).id, "+381214001001", now)
    elif pick < 0.85:
        lang = rng.choice(LANGS)
        free = d.next_free(lang)
        agent = free or rng.choice(list(d.agents))
        cmds = d.claimed(agent, f"f{n}", now, language=lang)
        assert free is None or Offer(f"f{n}", agent) in cmds
    elif pick < 0.9:
        paused = [a for a in d.agents.values() if a.state is State.PAUSED]
        if paused:
            d.ready(rng.choice(paused).id, now)
    elif pick < 0.93:
        free = [a for a in d.agents.values() if a.state in (State.AVAILABLE, State.WRAPUP)]
        if free:
            d.pause(rng.choice(free).id, now, "break")
    elif pick < 0.95:
        free = [a for a in d.agents.values() if a.state is State.AVAILABLE]
        if free:
            d.busy_elsewhere(rng.choice(free).id, now)
    elif pick < 0.97:
        for a in list(d.agents.values()):
            d.free_again(a.id, now)
    else:
        d.tick(now)


@pytest.mark.parametrize("seed", range(10))
def test_a_random_day_keeps_the_indexes_and_the_states_in_step(seed):
    rng = random.Random(seed)
    d = build(rng, wrapup=rng.choice((0.0, 3.0)))
    now, most = 10.0, 0
    for n in range(800):
        now += rng.random()
        step(d, rng, now, n)
        check(d)
        most = max(most, len(d._waiting))
    assert most >= 5  # the walk did make calls wait
