"""What happened to each citizen's call, read only from AMI events.

Fed every AMI event; counts offered, answered, abandoned, rejected and lost
calls and the most talking and waiting at once.  A call is lost when it was
neither answered by an agent, nor abandoned by the caller (the caller's
side asked to hang up: HangupRequest, i.e. BYE or CANCEL), nor deliberately
refused, nor turned into a callback request (the dialplan's KontaktOutcome
event).  Nothing here is assumed
from the engine's own bookkeeping.

It holds an entry per live call only: a call's entry (and its agent leg's)
goes when the call hangs up, so a demo that runs all day keeps a bounded
ledger; the answer waits are kept as a histogram (100 ms steps), the most
recent ones as they were.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

RECENT = 10_000  # answer waits kept one by one; older ones live on in the histogram
CLOSED = 1_000  # hung-up calls remembered, so a late event cannot count one twice


@dataclass
class _Leg:
    answered: bool = False
    rejected: bool = False
    caller_hung_up: bool = False
    waiting: bool = False
    fallback: bool = False
    answer_wait: float | None = None
    started: float = 0.0
    agent: str | None = None
    callback: bool = False
    talking: bool = False  # with an agent now (a transferred citizen is not)
    agent_leg: str | None = None


@dataclass
class Ledger:
    trunk_prefix: str = "PJSIP/trunk-"
    legs: dict[str, _Leg] = field(default_factory=dict)
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    rejected: int = 0
    lost: int = 0
    fallback: int = 0
    callbacks: int = 0  # asked to be called back while waiting: served later
    talking: int = 0
    waiting: int = 0
    max_talking: int = 0
    max_waiting: int = 0
    answer_waits: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))
    wait_histogram: Counter[int] = field(default_factory=Counter)  # wait in 100 ms -> calls
    _closed: set[str] = field(default_factory=set)
    _closed_order: deque[str] = field(default_factory=deque)
    _agent_legs: dict[str, str] = field(default_factory=dict)  # agent leg -> citizen leg

    @property
    def in_progress(self) -> int:
        return len(self.legs)

    def feed(self, ev: dict[str, str]) -> None:
        name = ev.get("Event")
        uid = ev.get("Uniqueid", "")
        ts = float(ev.get("Timestamp", "0") or 0)
        # A citizen's call is one that runs the inbound dialplan; outgoing
        # trunk legs (callbacks) carry the endpoint's context but run nothing.
        if (
            name == "Newexten"
            and uid not in self.legs
            and uid not in self._closed
            and ev.get("Channel", "").startswith(self.trunk_prefix)
            and ev.get("Context") == "kontakt-inbound"
        ):
            self.legs[uid] = _Leg(started=ts)
            self.offered += 1
            return
        if name == "Hangup" and uid in self._agent_legs:
            self._agent_left(self._agent_legs.pop(uid))
        leg = self.legs.get(uid)
        if leg is None:
            return
        if name == "VarSet" and ev.get("Variable") == "KONTAKT_STATE":
            self._set_waiting(leg, ev.get("Value") == "waiting")
        elif name == "QueueCallerJoin" and ev.get("Queue") == "kontakt-fallback":
            leg.fallback = True
            self._set_waiting(leg, True)
        elif name == "UserEvent" and ev.get("UserEvent") == "KontaktOutcome":
            if ev.get("Outcome") == "callback":
                leg.callback = True
            else:
                leg.rejected = True
        elif name == "UserEvent" and ev.get("UserEvent") == "KontaktFallback":
            leg.fallback = True
        elif (
            name == "DialEnd"
            and ev.get("DialStatus") == "ANSWER"
            and ev.get("DestChannel", "").startswith("PJSIP/agent")
        ) or name == "AgentConnect":
            if not leg.answered:
                leg.answered = True
                leg.answer_wait = ts - leg.started
                leg.agent = (
                    (ev.get("DestChannel") or ev.get("Interface", "")).split("/")[-1].split("-")[0]
                )
                self._set_waiting(leg, False)
                if ev.get("DestUniqueid"):
                    leg.agent_leg = ev["DestUniqueid"]
                    self._agent_legs[leg.agent_leg] = uid
                leg.talking = True
                self.talking += 1
                self.max_talking = max(self.max_talking, self.talking)
        elif name == "HangupRequest":
            leg.caller_hung_up = True
        elif name == "Hangup":
            self._close(uid, leg)

    def _agent_left(self, citizen_uid: str) -> None:
        leg = self.legs.get(citizen_uid)
        if leg is not None and leg.talking:
            leg.talking = False
            self.talking -= 1

    def _set_waiting(self, leg: _Leg, waiting: bool) -> None:
        if waiting and not leg.waiting:
            self.waiting += 1
            self.max_waiting = max(self.max_waiting, self.waiting)
        elif not waiting and leg.waiting:
            self.waiting -= 1
        leg.waiting = waiting

    def _close(self, uid: str, leg: _Leg) -> None:
        self._set_waiting(leg, False)
        del self.legs[uid]
        if leg.agent_leg is not None and self._agent_legs.get(leg.agent_leg) == uid:
            del self._agent_legs[leg.agent_leg]  # the citizen went first (after a transfer)
        self._closed.add(uid)
        self._closed_order.append(uid)
        while len(self._closed_order) > CLOSED:
            self._closed.discard(self._closed_order.popleft())
        if leg.fallback:
            self.fallback += 1
        if leg.talking:
            self.talking -= 1
        if leg.answered:
            self.answered += 1
            if leg.answer_wait is not None:
                self.answer_waits.append(leg.answer_wait)
                self.wait_histogram[round(max(0.0, leg.answer_wait) * 10)] += 1
        elif leg.callback:
            self.callbacks += 1
        elif leg.rejected:
            self.rejected += 1
        elif leg.caller_hung_up:
            self.abandoned += 1
        else:
            self.lost += 1

    def answered_within(self, seconds: float) -> int:
        """Answered calls that waited at most ``seconds`` (to 100 ms)."""
        limit = seconds * 10
        return sum(n for step, n in self.wait_histogram.items() if step <= limit)

    def summary(self) -> dict[str, int]:
        return {
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "rejected": self.rejected,
            "lost": self.lost,
            "in_progress": self.in_progress,
            "max_talking": self.max_talking,
            "max_waiting": self.max_waiting,
            "fallback": self.fallback,
            "callbacks": self.callbacks,
        }
