"""The distributor's decision and its views, over the indexes of ``acd.pools``.

Every state change of an agent or a call goes through ``_agent_step`` or
``_call_step``, which apply the event to its table and keep the indexes in
step; ``dispatch`` then pairs the oldest call that has an agent with the best
agent for it until no pair is left.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from acd.agent import Agent, Event, State
from acd.call import QUEUED, Call, CallEvent
from acd.commands import AgentChanged, Command, Offer
from acd.errors import UnknownAgent, UnknownCall
from acd.pools import AgentKey, IdleAgents, WaitingCalls

STRATEGIES = ("longest-idle", "fewest-calls")
# Read on every decision.  Python 3.11 reads an enum member through
# EnumType.__getattr__'s slow hook (about 100 ns, a module name about 20) and
# ``State.value`` is a Python-level property (250 ns); a dict read is not.
_VALUE = {state: state.value for state in State}
_AVAILABLE, _OFFER, _CALL_OFFER = State.AVAILABLE, Event.OFFER, CallEvent.OFFER


@dataclass
class Dispatcher:
    wrapup: float = 0.0
    strategy: str = "longest-idle"
    agents: dict[str, Agent] = field(default_factory=dict)
    calls: dict[str, Call] = field(default_factory=dict)
    handle_times: deque[float] = field(default_factory=lambda: deque(maxlen=50))
    _seq: int = 0
    _waiting: WaitingCalls = field(default_factory=WaitingCalls)
    _idle: IdleAgents = field(default_factory=IdleAgents)
    _wrapup_until: dict[str, float] = field(default_factory=dict)
    no_calls: set[str] = field(default_factory=set)  # held off calls (acd.blend: busy in texts)

    def add_agent(self, agent_id: str, skills: Iterable[str] = ("sr",), penalty: int = 0) -> None:
        if agent_id not in self.agents:
            self.agents[agent_id] = Agent(agent_id, frozenset(skills), penalty)

    def agent(self, agent_id: str) -> Agent:
        try:
            return self.agents[agent_id]
        except KeyError:
            raise UnknownAgent(f"no agent {agent_id!r}", agent=agent_id) from None

    def call(self, call_id: str) -> Call:
        try:
            return self.calls[call_id]
        except KeyError:
            raise UnknownCall(f"no call {call_id!r}", call=call_id) from None

    # -- every state change ---------------------------------------------
    def _agent_step(
        self, agent: Agent, event: Event, now: float, reason: str | None = None, *,
        index: bool = True,
    ) -> list[Command]:
        agent.apply(event, now, reason)  # raises before any change
        if index:
            self._reindex(agent)
        return [AgentChanged(agent.id, _VALUE[agent.state], agent.reason)]

    def _call_step(
        self, call: Call, event: CallEvent, now: float, agent: str | None = None
    ) -> None:
        was_queued = call.state in QUEUED
        queued = call.apply(event, now, agent) in QUEUED  # raises before any change
        if was_queued and not queued:
            self._waiting.remove(call)
        elif queued and not was_queued:
            self._waiting.add(call)  # back at its place: its seq is unchanged

    def _reindex(self, agent: Agent) -> None:
        """Keep the lists of available agents in step with the agent's state."""
        if agent.state is _AVAILABLE and agent.id not in self.no_calls:
            self._idle.add(agent.id, agent.skills, self._agent_key(agent))  # at its new place
        else:
            self._idle.remove(agent.id)

    def _agent_key(self, agent: Agent) -> AgentKey:
        # Lowest penalty first, then the strategy: longest idle, or the
        # fewest calls answered so far (then longest idle).
        fewest = self.strategy == "fewest-calls"
        second = agent.calls * 1e12 + agent.since if fewest else agent.since
        return (agent.penalty, second, agent.id)

    # -- the decision ---------------------------------------------------
    def dispatch(self, now: float) -> list[Command]:
        """Pair available agents with waiting calls until no pair is left:
        the call served first among those some agent can take, with the best
        agent among those who have every skill it needs."""
        out: list[Command] = []
        while self._idle:  # nobody available (a busy centre): nothing to pair
            pair = self._idle.pair(self._waiting.heads())
            if pair is None:
                break
            (_, _, call_id), agent_id = pair
            out += self._offer(self.agents[agent_id], self.calls[call_id], now)
        return out

    def _offer(self, agent: Agent, call: Call, now: float) -> list[Command]:
        out = self._agent_step(agent, _OFFER, now)
        agent.call_id = call.id
        self._call_step(call, _CALL_OFFER, now, agent.id)
        out.append(Offer(call.id, agent.id))
        return out

    def _freed(self, agent: Agent, now: float) -> list[Command]:
        """The decision when ``agent`` has just hung up (stepped with
        ``index=False``).  After every decision no available agent fits a
        waiting call, so the only pair this can make is the agent's own: the
        call served first among those it has every skill for, which no other
        agent could take.  It rings for that call at once, never entering the
        index of available agents (the hot path of a busy centre); with no
        such call, or in wrap-up or held off calls, it is indexed as usual."""
        if agent.state is _AVAILABLE and agent.id not in self.no_calls:
            head = self._waiting.first_for(agent.skills)
            if head is not None:
                return self._offer(agent, self.calls[head[2]], now)
        self._reindex(agent)
        return []

    def next_free(self, language: str) -> str | None:
        """The agent a new call in ``language`` needing no other skill would
        get now, if no such call waits (the fast path publishes it)."""
        need = frozenset((language,))
        if self._waiting.head(need) is not None:
            return None
        return self._idle.best(need)

    # -- views ----------------------------------------------------------
    def position(self, call_id: str) -> int:
        """1 + the calls needing the same skills that are served before it."""
        return self._waiting.position(self.call(call_id))

    def expected_wait(self, call_id: str) -> float:
        """Seconds, from recent handle times and the agents who can take it."""
        call = self.call(call_id)
        staffed = (
            sum(
                1
                for a in self.agents.values()
                if call.need <= a.skills
                and a.state is not State.LOGGED_OUT
                and a.state is not State.PAUSED
            )
            or 1
        )
        aht = sum(self.handle_times) / len(self.handle_times) if self.handle_times else 180.0
        return self.position(call_id) * aht / staffed

    def waiting(self) -> list[Call]:
        """Every call holding a place, in the order they are served."""
        return sorted(
            (c for c in self.calls.values() if c.state in QUEUED),
            key=lambda c: (c.priority, c.seq),
        )
