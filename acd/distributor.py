"""The automatic call distributor: pure, input in, commands out.

Calls wait first come first served within a priority class (lower number
first) and per language; an agent that frees takes the oldest waiting call
among its skills; a call that arrives takes the available agent with the
lowest penalty that has been idle longest.  A call whose offered agent does
not answer goes back to its original place: nothing that is not the
caller's own doing costs it its position.
"""

from __future__ import annotations

import bisect
import heapq
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from acd.agent import Agent, Event, State
from acd.errors import IllegalTransition, UnknownAgent, UnknownCall


@dataclass
class Call:
    id: str
    caller: str | None
    language: str
    arrived: float
    seq: int
    priority: int = 5
    state: str = "waiting"  # waiting, offered, connected, done
    agent: str | None = None
    answered_at: float | None = None
    callback: bool = False
    channel: str | None = None
    fast: bool = False  # rung by the dialplan's fast path


# Commands the adapter carries out.
@dataclass(frozen=True)
class Offer:
    call_id: str
    agent_id: str


@dataclass(frozen=True)
class Queued:
    call_id: str
    position: int


@dataclass(frozen=True)
class AgentChanged:
    agent_id: str
    state: str
    reason: str | None


@dataclass(frozen=True)
class Abandoned:
    call_id: str
    wait: float
    position: int


@dataclass(frozen=True)
class Completed:
    call_id: str
    agent_id: str
    wait: float
    talk: float


Command = Offer | Queued | AgentChanged | Abandoned | Completed


STRATEGIES = ("longest-idle", "fewest-calls")


@dataclass
class Distributor:
    wrapup: float = 0.0
    strategy: str = "longest-idle"
    agents: dict[str, Agent] = field(default_factory=dict)
    calls: dict[str, Call] = field(default_factory=dict)
    _seq: int = 0
    _waiting: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    _idle: dict[str, list[tuple[int, float, str]]] = field(default_factory=dict)
    _idle_key: dict[str, tuple[int, float, str]] = field(default_factory=dict)
    _wrapup_until: dict[str, float] = field(default_factory=dict)
    handle_times: deque[float] = field(default_factory=lambda: deque(maxlen=50))

    # -- agents ---------------------------------------------------------
    def add_agent(self, agent_id: str, skills: Iterable[str] = ("sr",), penalty: int = 0) -> None:
        if agent_id not in self.agents:
            self.agents[agent_id] = Agent(agent_id, frozenset(skills), penalty)

    def agent(self, agent_id: str) -> Agent:
        try:
            return self.agents[agent_id]
        except KeyError:
            raise UnknownAgent(f"no agent {agent_id!r}", agent=agent_id) from None

    def login(
        self, agent_id: str, now: float, skills: Iterable[str] | None = None
    ) -> list[Command]:
        agent = self.agent(agent_id)
        if skills is not None and agent.state is State.LOGGED_OUT:
            agent.skills = frozenset(skills)
        return self._agent_event(agent, Event.LOGIN, now)

    def logout(self, agent_id: str, now: float) -> list[Command]:
        return self._agent_event(self.agent(agent_id), Event.LOGOUT, now)

    def pause(self, agent_id: str, now: float, reason: str) -> list[Command]:
        return self._agent_event(self.agent(agent_id), Event.PAUSE, now, reason)

    def ready(self, agent_id: str, now: float) -> list[Command]:
        return self._agent_event(self.agent(agent_id), Event.READY, now)

    def _agent_event(
        self, agent: Agent, event: Event, now: float, reason: str | None = None
    ) -> list[Command]:
        was = agent.state
        agent.apply(event, now, reason)  # raises before any change
        self._reindex(agent, was)
        out: list[Command] = [AgentChanged(agent.id, agent.state.value, agent.reason)]
        return out + self.dispatch(now)

    def _reindex(self, agent: Agent, was: State) -> None:
        """Keep the per-skill lists of available agents, ordered by
        (penalty, available since), in step with the agent's state."""
        key = self._idle_key.pop(agent.id, None)
        if key is not None:
            for skill in agent.skills:
                lst = self._idle.get(skill, [])
                i = bisect.bisect_left(lst, key)
                if i < len(lst) and lst[i] == key:
                    del lst[i]
        if agent.state is State.AVAILABLE:
            # Lowest penalty first, then the strategy: longest idle, or the
            # fewest calls answered so far (then longest idle).
            second = (
                agent.since if self.strategy == "longest-idle" else agent.calls * 1e12 + agent.since
            )
            key = (agent.penalty, second, agent.id)
            self._idle_key[agent.id] = key
            for skill in agent.skills:
                bisect.insort(self._idle.setdefault(skill, []), key)

    def next_free(self, language: str) -> str | None:
        """The agent a new call in ``language`` would get now, if no call waits."""
        if self._head(language) is not None:
            return None
        idle = self._idle.get(language)
        return idle[0][2] if idle else None

    def claimed(self, agent_id: str, call_id: str, now: float, *, caller: str | None = None,
                language: str = "sr", channel: str | None = None) -> list[Command]:
        """Asterisk's dialplan took the agent the engine published for the next
        call (fast path).  The agent rings for this call; had the engine just
        offered it to another call, that call goes back to its place."""
        agent = self.agent(agent_id)
        self._seq += 1
        call = Call(call_id, caller, language, now, self._seq, channel=channel)
        self.calls[call_id] = call
        out: list[Command] = []
        if agent.state is State.AVAILABLE:
            agent.apply(Event.OFFER, now)
            self._reindex(agent, State.AVAILABLE)
        elif (agent.state is State.RINGING and agent.call_id in self.calls
              and not self.calls[agent.call_id].fast):
            other = self.calls[agent.call_id]
            other.state, other.agent = "waiting", None
            heapq.heappush(self._waiting.setdefault(other.language, []),
                           (other.priority, other.seq, other.id))
        else:  # busy after all: its queue will refuse, and the call comes back
            call.state = "waiting"
            heapq.heappush(self._waiting.setdefault(language, []),
                           (call.priority, call.seq, call.id))
            return out + self.dispatch(now)
        agent.call_id = call_id
        call.state, call.agent, call.fast = "offered", agent_id, True
        out += [AgentChanged(agent_id, agent.state.value, None), Offer(call_id, agent_id)]
        return out + self.dispatch(now)

    def busy_elsewhere(self, agent_id: str, now: float) -> list[Command]:
        """The agent is on a call the engine did not place (found on reconcile)."""
        agent = self.agent(agent_id)
        if agent.state is not State.AVAILABLE:
            return []
        agent.apply(Event.OFFER, now)
        agent.apply(Event.ANSWER, now)
        self._reindex(agent, State.AVAILABLE)
        return [AgentChanged(agent.id, agent.state.value, None)]

    def free_again(self, agent_id: str, now: float) -> list[Command]:
        agent = self.agent(agent_id)
        if agent.state is not State.TALKING or agent.call_id is not None:
            return []
        agent.apply(Event.HANGUP, now)
        agent.apply(Event.WRAPUP_DONE, now)
        self._reindex(agent, State.WRAPUP)
        return [AgentChanged(agent.id, agent.state.value, None), *self.dispatch(now)]

    # -- calls ----------------------------------------------------------
    def call_arrived(
        self,
        call_id: str,
        now: float,
        *,
        caller: str | None = None,
        language: str = "sr",
        priority: int = 5,
        channel: str | None = None,
        skills: tuple[str, ...] = (),
    ) -> list[Command]:
        if call_id in self.calls and self.calls[call_id].state != "done":
            return self.dispatch(now)  # a repeated arrival keeps the original place
        self._seq += 1
        call = Call(call_id, caller, language, now, self._seq, priority, channel=channel)
        self.calls[call_id] = call
        heapq.heappush(self._waiting.setdefault(language, []), (priority, call.seq, call_id))
        out = self.dispatch(now)
        if call.state == "waiting":
            out.append(Queued(call_id, self.position(call_id)))
        return out

    def call(self, call_id: str) -> Call:
        try:
            return self.calls[call_id]
        except KeyError:
            raise UnknownCall(f"no call {call_id!r}", call=call_id) from None

    def answered(self, call_id: str, now: float) -> list[Command]:
        call = self.call(call_id)
        if call.state != "offered" or call.agent is None:
            raise IllegalTransition(
                f"call {call_id}: answered while {call.state}",
                call=call_id,
                state=call.state,
                event="answer",
            )
        agent = self.agent(call.agent)
        agent.apply(Event.ANSWER, now)
        call.state, call.answered_at = "connected", now
        return [AgentChanged(agent.id, agent.state.value, None)]

    def no_answer(self, call_id: str, now: float) -> list[Command]:
        """The offered agent did not answer: pause it, the call keeps its place."""
        call = self.call(call_id)
        if call.state != "offered" or call.agent is None:
            return []
        agent = self.agent(call.agent)
        was = agent.state
        agent.apply(Event.NO_ANSWER, now)
        self._reindex(agent, was)
        call.state, call.agent = "waiting", None
        heapq.heappush(
            self._waiting.setdefault(call.language, []), (call.priority, call.seq, call.id)
        )
        out: list[Command] = [AgentChanged(agent.id, agent.state.value, agent.reason)]
        out += self.dispatch(now)
        if call.state == "waiting":
            out.append(Queued(call.id, self.position(call.id)))
        return out

    def request_callback(self, call_id: str, number: str, now: float) -> list[Command]:
        """The waiting caller asked to be called back: it keeps its place
        and is served like a queued call; its channel may now hang up."""
        call = self.call(call_id)
        if call.state != "waiting":
            raise IllegalTransition(
                f"call {call_id}: callback requested while {call.state}",
                call=call_id,
                state=call.state,
                event="callback",
            )
        call.callback, call.caller = True, number
        return [Queued(call_id, self.position(call_id))]

    def retract(self, call_id: str, now: float) -> list[Command]:
        """The offered agent was taken by another call first (its one-member
        queue was full): not the agent's fault, not the caller's; the call
        goes back to its place and the agent stays with the other call."""
        call = self.call(call_id)
        if call.state != "offered" or call.agent is None:
            return []
        agent = self.agent(call.agent)
        out: list[Command] = []
        if agent.call_id == call_id:  # the taker's claim has not arrived yet
            agent.apply(Event.CALLER_GONE, now)
            self._reindex(agent, State.RINGING)
            out.append(AgentChanged(agent.id, agent.state.value, None))
        call.state, call.agent = "waiting", None
        heapq.heappush(self._waiting.setdefault(call.language, []),
                       (call.priority, call.seq, call.id))
        out += self.dispatch(now)
        if call.state == "waiting":
            out.append(Queued(call.id, self.position(call.id)))
        return out

    def call_gone(self, call_id: str, now: float) -> list[Command]:
        """The caller's channel hung up, whatever state the call was in."""
        call = self.calls.get(call_id)
        if call is None or call.state == "done":
            return []
        if call.callback and call.state == "waiting":
            return []  # the citizen hung up after asking for a callback: keep it
        out: list[Command] = []
        if call.state == "waiting":
            out.append(Abandoned(call.id, now - call.arrived, self.position(call.id)))
        elif call.state == "offered" and call.agent:
            agent = self.agent(call.agent)
            agent.apply(Event.CALLER_GONE, now)
            self._reindex(agent, State.RINGING)
            out.append(Abandoned(call.id, now - call.arrived, 1))
            out.append(AgentChanged(agent.id, agent.state.value, None))
        elif call.state == "connected" and call.agent:
            out += self._end(call, now)
        call.state = "done"
        self.calls.pop(call_id, None)
        return out + self.dispatch(now)

    def agent_gone(self, call_id: str, now: float) -> list[Command]:
        """The agent's leg ended while the caller stays (a transfer to a
        department): the agent is free, the call is complete for the ACD."""
        call = self.calls.get(call_id)
        if call is None or call.state != "connected":
            return []
        out = self._end(call, now)
        call.state = "done"
        self.calls.pop(call_id, None)
        return out + self.dispatch(now)

    def _end(self, call: Call, now: float) -> list[Command]:
        assert call.agent is not None and call.answered_at is not None
        agent = self.agent(call.agent)
        agent.apply(Event.HANGUP, now)
        talk = now - call.answered_at
        self.handle_times.append(talk + self.wrapup)
        out: list[Command] = [Completed(call.id, agent.id, call.answered_at - call.arrived, talk)]
        if self.wrapup <= 0:
            agent.apply(Event.WRAPUP_DONE, now)
            self._reindex(agent, State.WRAPUP)
        else:
            self._wrapup_until[agent.id] = now + self.wrapup
        out.append(AgentChanged(agent.id, agent.state.value, None))
        return out

    def tick(self, now: float) -> list[Command]:
        out: list[Command] = []
        for agent_id, until in list(self._wrapup_until.items()):
            if until <= now:
                del self._wrapup_until[agent_id]
                agent = self.agent(agent_id)
                if agent.state is State.WRAPUP:
                    agent.apply(Event.WRAPUP_DONE, now)
                    self._reindex(agent, State.WRAPUP)
                    out.append(AgentChanged(agent_id, agent.state.value, None))
        return out + self.dispatch(now) if out else out

    # -- the decision ---------------------------------------------------
    def _head(self, language: str) -> tuple[int, int, str] | None:
        heap = self._waiting.get(language)
        while heap:
            _, seq, cid = heap[0]
            call = self.calls.get(cid)
            if call is not None and call.state == "waiting" and call.seq == seq:
                return heap[0]
            heapq.heappop(heap)  # lazy deletion of calls no longer waiting
        return None

    def dispatch(self, now: float) -> list[Command]:
        """Pair available agents with waiting calls until no pair is left."""
        out: list[Command] = []
        while True:
            best: tuple[tuple[int, int, str], tuple[int, float, str]] | None = None
            for language in self._waiting:
                head = self._head(language)
                idle = self._idle.get(language)
                if head is None or not idle:
                    continue
                if best is None or head < best[0]:
                    best = (head, idle[0])
            if best is None:
                return out
            (_, _, call_id), (_, _, agent_id) = best
            call, agent = self.calls[call_id], self.agents[agent_id]
            agent.apply(Event.OFFER, now)
            self._reindex(agent, State.AVAILABLE)
            agent.call_id = call_id
            call.state, call.agent = "offered", agent_id
            out += [AgentChanged(agent_id, agent.state.value, None), Offer(call_id, agent_id)]

    # -- views ----------------------------------------------------------
    def position(self, call_id: str) -> int:
        call = self.call(call_id)
        key = (call.priority, call.seq)
        return 1 + sum(
            1
            for c in self.calls.values()
            if c.state == "waiting" and c.language == call.language and (c.priority, c.seq) < key
        )

    def expected_wait(self, call_id: str) -> float:
        """Seconds, from recent handle times and the agents who can take it."""
        call = self.call(call_id)
        staffed = (
            sum(
                1
                for a in self.agents.values()
                if call.language in a.skills
                and a.state is not State.LOGGED_OUT
                and a.state is not State.PAUSED
            )
            or 1
        )
        aht = sum(self.handle_times) / len(self.handle_times) if self.handle_times else 180.0
        return self.position(call_id) * aht / staffed

    def waiting(self) -> list[Call]:
        return sorted(
            (c for c in self.calls.values() if c.state == "waiting"),
            key=lambda c: (c.priority, c.seq),
        )
