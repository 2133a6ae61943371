"""Property: the indexed distributor decides exactly as the plain rule.

The plain rule is written here as scans over every call and every agent:
the calls holding a place are served first come first served within a
priority class (lower first), per skill set (the language and any skill);
a call goes to the available agent who has every skill it needs, lowest
penalty first, then idle longest (or fewest calls first, then idle longest,
with the ``fewest-calls`` strategy), then the agent id.  Hypothesis drives
both through the same random sequences of arrivals, answers, unanswered and
withdrawn offers, hang-ups, transfers, callbacks, fast-path claims, pauses,
logins and logouts, calls the engine did not place and wrap-ups, and every
command, every error, every position and the queue order must be the same.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from acd.agent import Agent, Event, State
from acd.call import QUEUED, RINGING, Call, CallEvent, CallState
from acd.commands import Command, Offer
from acd.distributor import Distributor
from acd.errors import AcdError

LANGS = ("sr", "hu")
SKILLS = ("vodovod", "gas", "parking")


class PlainRule(Distributor):
    """The rule as it reads, O(calls x agents) per decision; no index is read."""

    def _queue(self) -> list[Call]:
        return sorted((c for c in self.calls.values() if c.state in QUEUED),
                      key=lambda c: (c.priority, c.seq))

    def _best(self, need: frozenset[str]) -> Agent | None:
        fit = [a for a in self.agents.values() if a.state is State.AVAILABLE and need <= a.skills]
        if self.strategy == "fewest-calls":
            return min(fit, key=lambda a: (a.penalty, a.calls, a.since, a.id), default=None)
        return min(fit, key=lambda a: (a.penalty, a.since, a.id), default=None)

    def dispatch(self, now: float) -> list[Command]:
        out: list[Command] = []
        while True:
            pair = next(((c, a) for c in self._queue() if (a := self._best(c.need))), None)
            if pair is None:
                return out
            call, agent = pair
            out += self._agent_step(agent, Event.OFFER, now)
            agent.call_id = call.id
            self._call_step(call, CallEvent.OFFER, now, agent.id)
            out.append(Offer(call.id, agent.id))

    def _freed(self, agent: Agent, now: float) -> list[Command]:
        # An agent that hung up: the whole rule again, not the indexed
        # distributor's shortcut (its own pair only) that this test checks.
        self._reindex(agent)
        return self.dispatch(now)

    def position(self, call_id: str) -> int:
        call = self.call(call_id)
        return 1 + sum(1 for c in self._queue()
                       if c.need == call.need and (c.priority, c.seq) < (call.priority, call.seq))

    def next_free(self, language: str) -> str | None:
        need = frozenset((language,))
        if any(c.need == need for c in self._queue()):
            return None
        best = self._best(need)
        return best.id if best else None


agent_specs = st.lists(
    st.tuples(st.sets(st.sampled_from(LANGS), min_size=1), st.sets(st.sampled_from(SKILLS)),
              st.integers(0, 2)),
    min_size=1, max_size=6)
# Arrivals are drawn a third of the time (ops 14..20), so queues build up.
steps = st.lists(
    st.tuples(st.integers(0, 20), st.integers(0, 10**6), st.sampled_from((0.0, 0.0, 0.5, 2.0))),
    max_size=120)


def apply(d: Distributor, op: int, x: int, now: float, n: int) -> object:
    """One input, chosen from ``d``'s current state; returns what it returned."""
    calls = sorted(d.calls.values(), key=lambda c: c.seq)
    agents = sorted(d.agents)
    ringing = [c.id for c in calls if c.state in RINGING]

    def pick(xs: list[str]) -> str | None:
        return xs[x % len(xs)] if xs else None

    agent = agents[x % len(agents)]
    if op == 0 or op >= 15 or (not calls and op <= 7):
        skills = () if x % 4 == 3 else (SKILLS[x % 4],)
        return d.call_arrived(f"c{n}", now, language=LANGS[x // 4 % 2], skills=skills,
                              priority=(1, 5, 5, 5)[x // 8 % 4])
    if op in (1, 2, 3):
        cid = pick(ringing)
        if cid is None:
            return None
        return (d.answered, d.no_answer, d.retract)[op - 1](cid, now)
    if op == 4:
        return d.call_gone(calls[x % len(calls)].id, now)
    if op == 5:
        return d.agent_gone(calls[x % len(calls)].id, now)
    if op == 6:
        cid = pick([c.id for c in calls if c.state is CallState.WAITING])
        return d.request_callback(cid, "+381214001001", now) if cid else None
    if op == 7:
        lang = LANGS[x % 2]
        free = d.next_free(lang)
        return (free, d.claimed(free or agent, f"f{n}", now, language=lang))
    if op == 8:
        return d.pause(agent, now, ("break", "meeting")[x % 2])
    if op == 9:
        return d.ready(agent, now)
    if op == 10:
        return d.logout(agent, now)
    if op == 11:
        return d.login(agent, now)
    if op == 12:
        return d.busy_elsewhere(agent, now)
    if op == 13:
        return d.free_again(agent, now)
    if op == 14:
        return d.tick(now)
    raise AssertionError(op)


def outcome(d: Distributor, op: int, x: int, now: float, n: int) -> object:
    try:
        return apply(d, op, x, now, n)
    except AcdError as e:  # the same input must be refused the same way by both
        return (type(e).__name__, str(e))


def view(d: Distributor) -> object:
    queue = [c.id for c in d.waiting()]
    return (queue, [d.position(cid) for cid in queue],
            {a.id: (a.state, a.reason, a.call_id) for a in d.agents.values()},
            {c.id: (c.state, c.agent) for c in d.calls.values()},
            {lang: d.next_free(lang) for lang in LANGS})


# A busy centre: calls arrive, ring, are answered and hang up, so agents free
# up while calls of several skill sets wait (the ACD's hot path: the agent
# takes the next call it fits), with a little of everything else.  The walk
# above, steered towards long queues, draws few answers and hang-ups.
busy_steps = st.lists(
    st.tuples(st.sampled_from((0, 0, 0, 0, 1, 1, 1, 4, 4, 4, 5, 5, 2, 3, 8, 9, 14)),
              st.integers(0, 10**6), st.sampled_from((0.0, 0.5, 2.0))),
    min_size=10, max_size=150)
STRATEGY = st.sampled_from(("longest-idle", "fewest-calls"))
WRAPUP = st.sampled_from((0.0, 1.0))
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(agent_specs, steps, STRATEGY, WRAPUP)
def test_the_indexed_distributor_decides_as_the_plain_rule(specs, walk, strategy, wrapup):
    most = _walk_both(specs, walk, strategy, wrapup)
    target(float(most), label="calls waiting at once")  # steer towards long queues


@SETTINGS
@given(agent_specs, busy_steps, STRATEGY, WRAPUP)
def test_a_busy_centre_decides_as_the_plain_rule(specs, walk, strategy, wrapup):
    _walk_both(specs, walk, strategy, wrapup)


def _walk_both(specs, walk, strategy, wrapup) -> int:
    """Both distributors through the same walk; the most calls that waited at once."""
    fast, plain = Distributor(wrapup, strategy), PlainRule(wrapup, strategy)
    for d in (fast, plain):
        for i, (langs, skills, penalty) in enumerate(specs):
            d.add_agent(f"agent{i}", sorted(langs | skills), penalty=penalty)
            d.login(f"agent{i}", float(i % 3))
    now, most = 10.0, 0
    for n, (op, x, dt) in enumerate(walk):
        now += dt
        assert outcome(fast, op, x, now, n) == outcome(plain, op, x, now, n), (n, op)
        assert view(fast) == view(plain), (n, op)
        most = max(most, len(fast._waiting))
    return most
