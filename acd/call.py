"""A call's life in the ACD as one transition table (h11 style), like ``acd.agent``.

A call waits in the queue (``waiting``, or ``callback`` once the citizen
asked to be called back and may hang up), is offered to an agent whose phone
rings (``offered``, or ``calling_back`` when the agent is rung to call the
citizen back), is ``connected`` once answered and ``done`` at the end.  An
offer the agent does not answer, or that is withdrawn, puts the call back in
the queue at its original place (its ``seq`` never changes).

An illegal event raises ``IllegalCallTransition`` naming call, state and
event and changes nothing.  Every change keeps its time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from acd.errors import IllegalCallTransition
from acd.lifecycle import check_agent, step


class CallState(StrEnum):
    WAITING = "waiting"  # in the queue, the caller on the line
    CALLBACK = "callback"  # in the queue, to be called back: the caller may hang up
    OFFERED = "offered"  # an agent's phone rings for the caller
    CALLING_BACK = "calling_back"  # an agent's phone rings to call the citizen back
    CONNECTED = "connected"
    DONE = "done"


class CallEvent(StrEnum):
    OFFER = "offer"  # the distributor rings an agent for the call
    CLAIM = "claim"  # the dialplan's fast path rang the agent the engine published
    ANSWER = "answer"
    NO_ANSWER = "no_answer"  # the agent did not answer: back to its place
    RETRACT = "retract"  # another call took the agent first: back to its place
    REQUEST_CALLBACK = "request_callback"  # the waiting caller asked to be called back
    CALLER_GONE = "caller_gone"  # the caller's channel hung up
    AGENT_GONE = "agent_gone"  # the agent's leg ended, the caller stays (a transfer)


S, E = CallState, CallEvent
TRANSITIONS: dict[CallState, dict[CallEvent, CallState]] = {
    S.WAITING: {
        E.OFFER: S.OFFERED,
        E.CLAIM: S.OFFERED,
        E.REQUEST_CALLBACK: S.CALLBACK,
        E.CALLER_GONE: S.DONE,  # abandoned
    },
    # The citizen hanging up after asking for a callback is expected: it
    # keeps its place (a self-loop, recorded, nothing else changes).
    S.CALLBACK: {E.OFFER: S.CALLING_BACK, E.CALLER_GONE: S.CALLBACK},
    S.OFFERED: {
        E.ANSWER: S.CONNECTED,
        E.NO_ANSWER: S.WAITING,
        E.RETRACT: S.WAITING,
        E.CALLER_GONE: S.DONE,  # abandoned while the phone rang
    },
    S.CALLING_BACK: {
        E.ANSWER: S.CONNECTED,
        E.NO_ANSWER: S.CALLBACK,
        E.RETRACT: S.CALLBACK,
        E.CALLER_GONE: S.CALLING_BACK,  # the citizen's first channel, hanging up late
    },
    S.CONNECTED: {E.CALLER_GONE: S.DONE, E.AGENT_GONE: S.DONE},
    S.DONE: {},
}

QUEUED = frozenset({CallState.WAITING, CallState.CALLBACK})  # states that hold a place
RINGING = frozenset({CallState.OFFERED, CallState.CALLING_BACK})  # an agent is rung
_NEEDS_AGENT = frozenset({CallEvent.OFFER, CallEvent.CLAIM})
_LEAVES_AGENT = frozenset({CallEvent.NO_ANSWER, CallEvent.RETRACT})
HISTORY = 50  # state changes a call keeps in memory
# Module names for the hot path (an enum member read as a class attribute
# costs Python 3.11 about five times a module name: see ``acd.agent``).
_CLAIM, _ANSWER, _REQUEST_CALLBACK = CallEvent.CLAIM, CallEvent.ANSWER, CallEvent.REQUEST_CALLBACK


def needed_skills(language: str, skills: Iterable[str] = ()) -> tuple[str, ...]:
    """Every skill the call needs, the language first, each once."""
    return tuple(dict.fromkeys((language, *skills)))


_NEEDS: dict[tuple[str, ...], frozenset[str]] = {}  # one frozenset per skill set, not per call


@dataclass(slots=True)
class Call:
    id: str
    caller: str | None
    language: str
    arrived: float
    seq: int  # the place in the queue: given at arrival, never changed
    priority: int = 5  # lower is served first
    state: CallState = CallState.WAITING
    agent: str | None = None  # the agent rung for it or talking to it
    answered_at: float | None = None
    callback: bool = False  # the citizen asked to be called back
    channel: str | None = None
    fast: bool = False  # its current offer was rung by the dialplan's fast path
    skills: tuple[str, ...] = ()  # every skill its agent needs, the language first
    since: float = 0.0
    history: list[tuple[float, CallState]] = field(default_factory=list)
    need: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.skills = needed_skills(self.language, self.skills)
        need = _NEEDS.get(self.skills)
        if need is None:
            need = _NEEDS[self.skills] = frozenset(self.skills)
        self.need = need

    def target(self, event: CallEvent) -> CallState:
        """The state ``event`` leads to; raises if the call cannot take it now."""
        # The table read inline (the hot path); step() raises the error that names it all.
        return TRANSITIONS[self.state].get(event) or step(
            TRANSITIONS, self.state, event, error=IllegalCallTransition, kind="call",
            ident=self.id)

    def can(self, event: CallEvent) -> bool:
        return event in TRANSITIONS[self.state]

    def apply(self, event: CallEvent, now: float, agent: str | None = None) -> CallState:
        target = self.target(event)
        needs_agent = event in _NEEDS_AGENT
        if needs_agent != (agent is not None):
            check_agent(needs_agent, agent, self.state, event,
                        error=IllegalCallTransition, kind="call", ident=self.id)
        if target is not self.state:
            self.since = now
        self.state = target
        if needs_agent:
            self.agent, self.fast = agent, event is _CLAIM
        elif event in _LEAVES_AGENT:
            self.agent, self.fast = None, False
        elif event is _ANSWER:
            self.answered_at = now
        elif event is _REQUEST_CALLBACK:
            self.callback = True
        history = self.history
        history.append((now, target))
        if len(history) > HISTORY:  # keep the recent past; the event log keeps the rest
            del history[0]
        return target
