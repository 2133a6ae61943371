"""What happened to every citizen's call, from Asterisk's AMI only.

The counts (offered, answered, abandoned, rejected, callbacks, lost) are
``asterisk.ledger.Ledger``'s, fed the same events; this adds, per call, what
the soak needs on top: the caller's number, when the call reached the queue
(the end of the IVR: the engine's ``KONTAKT_STATE``, or a ``QueueCallerJoin``
of an agent's queue or of the app_queue fallback), when and by whom it was
answered, and which way the ledger counted it when it ended.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from asterisk.ami import Ami
from asterisk.instance import AsteriskInstance
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


class _PatientAmi(Ami):
    """Connects only once the port accepts (see ``QuietInstance``)."""

    async def connect(self, timeout: float = 15.0) -> None:
        host, port = self._manager.config["host"], self._manager.config["port"]
        deadline = time.monotonic() + timeout
        while True:
            try:
                _, writer = await asyncio.open_connection(host, port)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)
                continue
            writer.close()
            break
        await super().connect(max(0.5, deadline - time.monotonic()))


class QuietInstance(AsteriskInstance):
    """The rig's Asterisk, started without leaking AMI sessions.

    ``AsteriskInstance.start`` tries to log in every 50 ms from the moment
    Asterisk is launched; each attempt refused before AMI listens leaves a
    panoramisk Manager behind that reconnects by itself a second later
    (``Manager.connection_made`` schedules ``connect`` again on OSError, which
    ``Ami.close`` does not stop) and then receives every event as the
    unfiltered monitor user, for good: eight such sessions per start on this
    machine, each parsing every event in the process that started the rig.
    Its AMI client here waits until the port accepts before the first login."""

    def _ami(self) -> Ami:
        return _PatientAmi("127.0.0.1", self.cfg.ami_port, self.cfg.monitor_user,
                           self.cfg.monitor_secret)


async def watch_ami(rig: Any) -> Any:
    """The soak's own AMI session on ``rig``, with the events the watch reads
    only: a user of its own added to the rig's manager.conf with static
    ``eventfilter`` lines (a dynamic ``Filter`` action is lost with its session
    when the connection drops, and the flood comes back).  It replaces the
    rig's unfiltered monitor connection, which nobody reads."""
    secret = secrets.token_hex(16)
    conf = rig.cfg.base / "etc" / "manager.conf"
    conf.write_text(conf.read_text("utf-8") + (
        f"\n[soakwatch]\nsecret = {secret}\ndeny = 0.0.0.0/0.0.0.0\n"
        "permit = 127.0.0.1/255.255.255.255\nread = system,call,agent,user,reporting,dialplan\n"
        "write = system\nwritetimeout = 5000\n") + "".join(f"eventfilter = {f}\n"
                                                          for f in AMI_FILTERS), "utf-8")
    out = await rig.instance.cli("manager reload")
    ami = Ami("127.0.0.1", rig.cfg.ami_port, "soakwatch", secret)
    try:
        await ami.connect(timeout=20)
    except (OSError, TimeoutError) as e:
        ami.close()
        raise RuntimeError(f"the soak's AMI user did not log in ({out.strip()}): {e}") from None
    if rig.ami is not None:
        rig.ami.close()
    rig.ami = ami
    return ami


@dataclass
class CallWatch:
    ledger: Ledger = field(default_factory=Ledger)
    calls: dict[str, CallRecord] = field(default_factory=dict)
    on_answer: list[AnswerTap] = field(default_factory=list)
    last_event: float = 0.0
    names: dict[str, int] = field(default_factory=dict)  # events seen, by name
    lags: list[float] = field(default_factory=list)  # seconds each event reached the watch late
    callback_legs: int = 0  # outgoing trunk legs of callbacks (not citizens' calls)
    handle: list[float] = field(default_factory=list)  # agent legs: answer to hang-up
    _callers: dict[str, tuple[str, str]] = field(default_factory=dict)
    _outbound: set[str] = field(default_factory=set)
    _agent_legs: dict[str, float] = field(default_factory=dict)  # agent leg -> answered

    def feed(self, ev: dict[str, str]) -> None:
        name = ev.get("Event", "")
        self.names[name] = self.names.get(name, 0) + 1
        uid = ev.get("Uniqueid", "")
        ts = float(ev.get("Timestamp", "0") or 0)
        self.last_event = ts or self.last_event
        if ts:
            self.lags.append(time.time() - ts)
        if name == "Newchannel" and ev.get("Channel", "").startswith(TRUNK):
            self._callers[uid] = (ev.get("CallerIDNum", ""), ev.get("Channel", ""))
        if uid in self._outbound or (name == "Newexten" and ev.get("Application") == "AppDial"):
            # A trunk leg Dial made (the citizen called back) shows a Newexten in
            # the trunk's context (Application AppDial) though it runs no
            # dialplan; Ledger would count it as a new call, lost when it ends.
            # It is not a citizen's call (asterisk.ledger's own definition).
            self._outbound.add(uid)
            if name == "Hangup":
                self._outbound.discard(uid)
                self._callers.pop(uid, None)
                self.callback_legs += 1
            return
        if name == "Hangup" and uid in self._agent_legs:
            self.handle.append(ts - self._agent_legs.pop(uid))
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
        if (name == "QueueCallerJoin" and ev.get("Queue") == "kontakt-fallback") or (
                name == "UserEvent" and ev.get("UserEvent") == "KontaktFallback"):
            rec.fallback = True
        elif (
            name == "DialEnd"
            and ev.get("DialStatus") == "ANSWER"
            and ev.get("DestChannel", "").startswith("PJSIP/agent")
            and rec.answered is None
        ):
            rec.answered = ts
            rec.agent = ev["DestChannel"].split("/")[1].split("-")[0]
            if ev.get("DestUniqueid"):
                self._agent_legs[ev["DestUniqueid"]] = ts
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
