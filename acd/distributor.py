"""The automatic call distributor: pure, input in, commands out.

Calls wait first come first served within a priority class (lower number
first) and per skill set (the language, and any skill the IVR asked for);
an agent that frees takes the oldest waiting call it has every skill for; a
call that arrives takes, among the available agents who have every skill it
needs, the one with the lowest penalty that has been idle longest.  A call
whose offered agent does not answer goes back to its original place:
nothing that is not the caller's own doing costs it its position.

The call's lifecycle is ``acd.call``'s table, the agent's ``acd.agent``'s;
the waiting and available indexes (``acd.pools``) and the decision itself
are in ``acd.dispatch``.  The names callers import stay here.
"""

from __future__ import annotations

from collections.abc import Iterable

from acd.agent import Event, State
from acd.call import QUEUED, Call, CallEvent, CallState
from acd.commands import Abandoned, AgentChanged, Command, Completed, Offer, Queued
from acd.dispatch import STRATEGIES, Dispatcher

# The hot path's enum members as module names (see ``acd.dispatch``).
_CALLER_GONE, _AGENT_GONE, _ANSWER = CallEvent.CALLER_GONE, CallEvent.AGENT_GONE, CallEvent.ANSWER
_WAITING, _OFFERED, _DONE = CallState.WAITING, CallState.OFFERED, CallState.DONE
_KEEPS_REQUEST = frozenset({CallState.CALLBACK, CallState.CALLING_BACK})
_HANGUP, _HANGUP_NO_WRAPUP, _WRAPUP = Event.HANGUP, Event.HANGUP_NO_WRAPUP, State.WRAPUP

__all__ = [
    "STRATEGIES",
    "Abandoned",
    "AgentChanged",
    "Call",
    "Command",
    "Completed",
    "Distributor",
    "Offer",
    "Queued",
]


class Distributor(Dispatcher):
    # -- agents ---------------------------------------------------------
    def login(
        self, agent_id: str, now: float, skills: Iterable[str] | None = None
    ) -> list[Command]:
        agent = self.agent(agent_id)
        if skills is not None and agent.state is State.LOGGED_OUT:
            agent.skills = frozenset(skills)
        return self._agent_event(agent_id, Event.LOGIN, now)

    def logout(self, agent_id: str, now: float) -> list[Command]:
        return self._agent_event(agent_id, Event.LOGOUT, now)

    def pause(self, agent_id: str, now: float, reason: str) -> list[Command]:
        return self._agent_event(agent_id, Event.PAUSE, now, reason)

    def ready(self, agent_id: str, now: float) -> list[Command]:
        return self._agent_event(agent_id, Event.READY, now)

    def _agent_event(
        self, agent_id: str, event: Event, now: float, reason: str | None = None
    ) -> list[Command]:
        out = self._agent_step(self.agent(agent_id), event, now, reason)  # raises first
        return out + self.dispatch(now)

    def busy_elsewhere(self, agent_id: str, now: float) -> list[Command]:
        """The agent is on a call the engine did not place (found on reconcile)."""
        agent = self.agent(agent_id)
        if agent.state is not State.AVAILABLE:
            return []
        return self._agent_step(agent, Event.BUSY_ELSEWHERE, now)

    def free_again(self, agent_id: str, now: float) -> list[Command]:
        """The call the engine did not place ended: the agent is available."""
        agent = self.agent(agent_id)
        if agent.state is not State.TALKING or agent.call_id is not None:
            return []
        return self._agent_step(agent, Event.FREED, now) + self.dispatch(now)

    def hold_calls(self, agent_id: str, held: bool, now: float) -> list[Command]:
        """Hold the agent off calls (busy in texts, ``acd.blend``) or let it
        take them again; it keeps its state either way."""
        agent = self.agent(agent_id)
        (self.no_calls.add if held else self.no_calls.discard)(agent_id)
        self._reindex(agent)
        return [] if held else self.dispatch(now)

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
        skills: Iterable[str] = (),
    ) -> list[Command]:
        """A caller to serve; its agent needs every skill in ``skills`` (none
        given: just the language; the language is always needed)."""
        if call_id in self.calls and self.calls[call_id].state is not _DONE:
            return self.dispatch(now)  # a repeated arrival keeps the original place
        call = self._new_call(call_id, now, caller, language, priority, channel, skills)
        out = self.dispatch(now)
        if call.state in QUEUED:
            out.append(Queued(call_id, self.position(call_id)))
        return out

    def claimed(
        self,
        agent_id: str,
        call_id: str,
        now: float,
        *,
        caller: str | None = None,
        language: str = "sr",
        channel: str | None = None,
        skills: Iterable[str] = (),
    ) -> list[Command]:
        """Asterisk's dialplan took the agent the engine published for the next
        call (fast path).  The agent rings for this call; had the engine just
        offered it to another call, that call goes back to its place."""
        agent = self.agent(agent_id)
        call = self._new_call(call_id, now, caller, language, 5, channel, skills)
        out: list[Command] = []
        if agent.state is State.AVAILABLE:
            out += self._agent_step(agent, Event.OFFER, now)
        elif (agent.state is State.RINGING and agent.call_id in self.calls
              and not self.calls[agent.call_id].fast):
            other = self.calls[agent.call_id]
            self._call_step(other, CallEvent.RETRACT, now)  # the agent stays ringing
            out.append(AgentChanged(agent.id, agent.state.value, None))
        else:  # busy after all: its queue will refuse, and the call comes back
            return self.dispatch(now)
        agent.call_id = call_id
        self._call_step(call, CallEvent.CLAIM, now, agent_id)
        return [*out, Offer(call_id, agent_id), *self.dispatch(now)]

    def answered(self, call_id: str, now: float) -> list[Command]:
        call = self.call(call_id)
        call.target(_ANSWER)  # raises before any change
        agent = self.agent(call.agent or "")
        out = self._agent_step(agent, Event.ANSWER, now)
        self._call_step(call, _ANSWER, now)
        return out

    def no_answer(self, call_id: str, now: float) -> list[Command]:
        """The offered agent did not answer: pause it, the call keeps its place."""
        return self._back_in_place(call_id, CallEvent.NO_ANSWER, Event.NO_ANSWER, now)

    def retract(self, call_id: str, now: float) -> list[Command]:
        """The offered agent was taken by another call first (its one-member
        queue was full): not the agent's fault, not the caller's; the call
        goes back to its place and the agent stays with the other call."""
        return self._back_in_place(call_id, CallEvent.RETRACT, Event.RETRACT, now)

    def _back_in_place(
        self, call_id: str, event: CallEvent, agent_event: Event, now: float
    ) -> list[Command]:
        call = self.call(call_id)
        if not call.can(event):
            return []  # already back (a second report of the same attempt)
        agent = self.agent(call.agent or "")
        out: list[Command] = []
        # After a retract the agent may already ring for its taker's call.
        if agent.call_id == call_id:
            out += self._agent_step(agent, agent_event, now)
        self._call_step(call, event, now)
        out += self.dispatch(now)
        if call.state in QUEUED:
            out.append(Queued(call.id, self.position(call.id)))
        return out

    def request_callback(self, call_id: str, number: str, now: float) -> list[Command]:
        """The waiting caller asked to be called back: it keeps its place
        and is served like a queued call; its channel may now hang up."""
        call = self.call(call_id)
        self._call_step(call, CallEvent.REQUEST_CALLBACK, now)  # raises unless waiting
        call.caller = number
        return [Queued(call_id, self.position(call_id))]

    def call_gone(self, call_id: str, now: float) -> list[Command]:
        """The caller's channel hung up, whatever state the call was in."""
        call = self.calls.get(call_id)
        if call is None or not call.can(_CALLER_GONE):
            return []
        if call.state in _KEEPS_REQUEST:
            self._call_step(call, _CALLER_GONE, now)  # the request stays
            return []
        out: list[Command] = []
        if call.state is _WAITING:
            out.append(Abandoned(call.id, now - call.arrived, self.position(call.id)))
            self._call_step(call, _CALLER_GONE, now)
        elif call.state is _OFFERED:
            agent = self.agent(call.agent or "")
            out.append(Abandoned(call.id, now - call.arrived, 1))
            out += self._agent_step(agent, Event.CALLER_GONE, now)
            self._call_step(call, _CALLER_GONE, now)
        else:
            out += self._end(call, _CALLER_GONE, now)  # its agent's next call decided too
            self.calls.pop(call_id, None)
            return out
        self.calls.pop(call_id, None)
        return out + self.dispatch(now)

    def agent_gone(self, call_id: str, now: float) -> list[Command]:
        """The agent's leg ended while the caller stays (a transfer to a
        department): the agent is free, the call is complete for the ACD."""
        call = self.calls.get(call_id)
        if call is None or not call.can(_AGENT_GONE):
            return []
        out = self._end(call, _AGENT_GONE, now)
        self.calls.pop(call_id, None)
        return out

    def _end(self, call: Call, event: CallEvent, now: float) -> list[Command]:
        """A connected call is over: the agent hangs up into wrap-up, or
        straight to available when there is none, and takes its next call
        if one waits for it."""
        call.target(event)  # raises before any change
        agent = self.agent(call.agent or "")
        answered_at = call.answered_at if call.answered_at is not None else now
        talk = now - answered_at
        hangup = _HANGUP if self.wrapup > 0 else _HANGUP_NO_WRAPUP
        out: list[Command] = [Completed(call.id, agent.id, answered_at - call.arrived, talk)]
        out += self._agent_step(agent, hangup, now, index=False)  # _freed indexes it
        self._call_step(call, event, now)
        self.handle_times.append(talk + self.wrapup)
        if agent.state is _WRAPUP:
            self._wrapup_until[agent.id] = now + self.wrapup
        return out + self._freed(agent, now)

    def tick(self, now: float) -> list[Command]:
        """Agents whose wrap-up time is over become available."""
        out: list[Command] = []
        for agent_id, until in list(self._wrapup_until.items()):
            if until <= now:
                del self._wrapup_until[agent_id]
                agent = self.agent(agent_id)
                if agent.state is State.WRAPUP:
                    out += self._agent_step(agent, Event.WRAPUP_DONE, now)
        return out + self.dispatch(now) if out else out

    def _new_call(
        self,
        call_id: str,
        now: float,
        caller: str | None,
        language: str,
        priority: int,
        channel: str | None,
        skills: Iterable[str],
    ) -> Call:
        """A call that arrives takes the next place in the queue."""
        self._seq += 1
        call = Call(call_id, caller, language, now, self._seq, priority,
                    channel=channel, skills=tuple(skills), since=now)
        self.calls[call_id] = call
        self._waiting.add(call)
        return call

