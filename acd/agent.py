"""Agent states as one transition table (h11 style): input in, new state out.

An illegal event raises ``IllegalTransition`` naming state and event and
changes nothing.  Every change keeps its time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from acd.errors import IllegalTransition
from acd.lifecycle import step


class State(StrEnum):
    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    RINGING = "ringing"
    TALKING = "talking"
    WRAPUP = "wrapup"
    PAUSED = "paused"


class Event(StrEnum):
    LOGIN = "login"
    LOGOUT = "logout"
    PAUSE = "pause"
    READY = "ready"
    OFFER = "offer"  # the engine rings the agent's phone
    ANSWER = "answer"
    NO_ANSWER = "no_answer"  # ring timeout: paused with reason no-answer
    CALLER_GONE = "caller_gone"  # caller hung up while the phone rang
    RETRACT = "retract"  # the offer was withdrawn: another call took the agent's queue first
    HANGUP = "hangup"  # the call ended, wrap-up follows
    HANGUP_NO_WRAPUP = "hangup_no_wrapup"  # the call ended, no wrap-up configured
    WRAPUP_DONE = "wrapup_done"
    BUSY_ELSEWHERE = "busy_elsewhere"  # on a call the engine did not place (reconcile)
    FREED = "freed"  # that call, which the engine did not place, ended


S, E = State, Event
TRANSITIONS: dict[State, dict[Event, State]] = {
    S.LOGGED_OUT: {E.LOGIN: S.AVAILABLE},
    S.AVAILABLE: {
        E.OFFER: S.RINGING,
        E.PAUSE: S.PAUSED,
        E.LOGOUT: S.LOGGED_OUT,
        E.READY: S.AVAILABLE,
        E.LOGIN: S.AVAILABLE,
        E.BUSY_ELSEWHERE: S.TALKING,
    },
    S.RINGING: {
        E.ANSWER: S.TALKING,
        E.NO_ANSWER: S.PAUSED,
        E.CALLER_GONE: S.AVAILABLE,
        E.RETRACT: S.AVAILABLE,
    },
    S.TALKING: {E.HANGUP: S.WRAPUP, E.HANGUP_NO_WRAPUP: S.AVAILABLE, E.FREED: S.AVAILABLE},
    S.WRAPUP: {E.WRAPUP_DONE: S.AVAILABLE, E.PAUSE: S.PAUSED, E.LOGOUT: S.LOGGED_OUT},
    S.PAUSED: {E.READY: S.AVAILABLE, E.PAUSE: S.PAUSED, E.LOGOUT: S.LOGGED_OUT, E.LOGIN: S.PAUSED},
}

HISTORY = 50  # state changes an agent keeps in memory
_TOOK_CALL = frozenset({Event.ANSWER, Event.BUSY_ELSEWHERE})  # counted in ``calls``
_NO_CALL = frozenset({State.AVAILABLE, State.PAUSED, State.LOGGED_OUT})  # not on a call
# Read on every step: Python 3.11 reads an enum member as a class attribute
# in about 110 ns, a module name in about 20 (and ``x in (A.B, A.C)`` builds
# its tuple each time), which the ACD's decision felt.
_PAUSE, _NO_ANSWER, _PAUSED = Event.PAUSE, Event.NO_ANSWER, State.PAUSED

PAUSE_REASONS = ("break", "meeting", "back-office", "training", "no-answer", "other")


@dataclass
class Agent:
    id: str
    skills: frozenset[str] = frozenset({"sr"})
    penalty: int = 0
    state: State = State.LOGGED_OUT
    reason: str | None = None
    since: float = 0.0
    calls: int = 0
    call_id: str | None = None
    history: list[tuple[float, State, str | None]] = field(default_factory=list)

    def apply(self, event: Event, now: float, reason: str | None = None) -> State:
        # The table read inline (the hot path); step() raises the error that names it all.
        target = TRANSITIONS[self.state].get(event) or step(
            TRANSITIONS, self.state, event, error=IllegalTransition, kind="agent", ident=self.id)
        if event is _PAUSE:
            if reason not in PAUSE_REASONS:
                raise IllegalTransition(
                    f"agent {self.id}: pause reason {reason!r} is not one of "
                    f"{', '.join(PAUSE_REASONS)}",
                    agent=self.id,
                    state=self.state.value,
                    event=event.value,
                    reason=reason,
                )
        elif event is _NO_ANSWER:
            reason = "no-answer"
        elif target is self.state:
            reason = self.reason  # a repeated login while paused keeps the pause reason
        if target is not self.state or reason != self.reason:
            self.since = now
        self.state = target
        self.reason = reason if target is _PAUSED else None
        if event in _TOOK_CALL:
            self.calls += 1
        if target in _NO_CALL:
            self.call_id = None
        history = self.history
        history.append((now, target, self.reason))
        if len(history) > HISTORY:  # keep the recent past; the store keeps the rest
            del history[0]
        return target
