"""What happened to every citizen's call, from Asterisk's AMI only.

The counts (offered, answered, abandoned, rejected, callbacks, lost) are
``asterisk.ledger.Ledger``'s, fed the same events; this adds, per call, what
the soak needs on top: the caller's number, when the call reached the queue
(the end of the IVR: the engine's ``KONTAKT_STATE``, or a ``QueueCallerJoin``
of an agent's queue or of the app_queue fallback), when and by whom it was
answered, and which way the ledger counted it when it ended.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from asterisk.ledger import Ledger

TRUNK = "PJSIP/trunk-"
# What the watch and the ledger read, filtered inside Asterisk (AMI "Filter"
# on the soak's own session): a call's dozens of Newexten/VarSet events would
# otherwise cost the soak and Asterisk more CPU than the engine itself.
_S = "[[:space:]]"
AMI_FILTERS = (
    "Event: (Newchannel|QueueCallerJoin|UserEvent|DialEnd|HangupRequest|Hangup|AgentConnect"
    "|FullyBooted)",
    f"Event: Newexten.*Context: kontakt-inbound{_S}+Exten: [^[:space:]]+{_S}+Priority: 1{_S}",
    "Event: VarSet.*Variable: KONTAKT_STATE",
)
OUTCOMES = ("answered", "abandoned", "rejected", "callbacks", "lost")


@dataclass
class CallRecord:
    uid: str
    started: float
    caller: str = ""
    channel: str = ""
    queued: float | None = None
    answered: float | None = None
    agent: str | None = None
    fallback: bool = False
    ended: float | None = None
    outcome: str | None = None  # one of OUTCOMES once the call is over

    @property
    def wait(self) -> float | None:
        if self.answered is None or self.queued is None:
            return None
        return max(0.0, self.answered - self.queued)


AnswerTap = Callable[[CallRecord], None]


async def narrow(ami: Any) -> None:
    """Only the events the watch reads reach this AMI session."""
    for f in AMI_FILTERS:
        await ami.action("Filter", Operation="Add", Filter=f)


@dataclass
class CallWatch:
    ledger: Ledger = field(default_factory=Ledger)
    calls: dict[str, CallRecord] = field(default_factory=dict)
    on_answer: list[AnswerTap] = field(default_factory=list)
    last_event: float = 0.0
    _callers: dict[str, tuple[str, str]] = field(default_factory=dict)

    def feed(self, ev: dict[str, str]) -> None:
        name = ev.get("Event", "")
        uid = ev.get("Uniqueid", "")
        ts = float(ev.get("Timestamp", "0") or 0)
        self.last_event = ts or self.last_event
        if name == "Newchannel" and ev.get("Channel", "").startswith(TRUNK):
            self._callers[uid] = (ev.get("CallerIDNum", ""), ev.get("Channel", ""))
        before = {k: getattr(self.ledger, k) for k in OUTCOMES}
        offered = self.ledger.offered
        self.ledger.feed(ev)
        if self.ledger.offered > offered:  # a citizen's call began
            caller, channel = self._callers.pop(uid, ("", ev.get("Channel", "")))
            self.calls[uid] = CallRecord(uid, ts, caller, channel)
            return
        rec = self.calls.get(uid)
        if rec is None:
            if name == "Hangup":
                self._callers.pop(uid, None)
            return
        self._track(rec, name, ev, ts)
        if name == "Hangup":
            rec.ended = ts
            rec.outcome = next((k for k in OUTCOMES if getattr(self.ledger, k) > before[k]),
                               None)

    def _track(self, rec: CallRecord, name: str, ev: dict[str, str], ts: float) -> None:
        if rec.queued is None and (
            (name == "VarSet" and ev.get("Variable") == "KONTAKT_STATE")
            or name == "QueueCallerJoin"
        ):
            rec.queued = ts
        if name == "QueueCallerJoin" and ev.get("Queue") == "kontakt-fallback":
            rec.fallback = True
        elif name == "UserEvent" and ev.get("UserEvent") == "KontaktFallback":
            rec.fallback = True
        elif (
            name == "DialEnd"
            and ev.get("DialStatus") == "ANSWER"
            and ev.get("DestChannel", "").startswith("PJSIP/agent")
            and rec.answered is None
        ):
            rec.answered = ts
            rec.agent = ev["DestChannel"].split("/")[1].split("-")[0]
            for tap in self.on_answer:
                tap(rec)

    # -- views ---------------------------------------------------------------
    def summary(self) -> dict[str, int]:
        return self.ledger.summary()

    def answers_after(self, t: float, *, engine_only: bool = False) -> float | None:
        """When the first call was answered after ``t`` (by the engine's own
        routing when ``engine_only``: not through the app_queue fallback)."""
        times = [
            r.answered for r in self.calls.values()
            if r.answered is not None and r.answered > t and not (engine_only and r.fallback)
        ]
        return min(times) if times else None

    def lost_between(self, t0: float, t1: float) -> list[CallRecord]:
        return [r for r in self.calls.values()
                if r.outcome == "lost" and r.started is not None and t0 <= (r.ended or 0) <= t1]
