"""What Asterisk's AMI events mean to the call core: a pure translator from
raw event dicts to typed events.  No I/O, no state: the same dict always
gives the same event, so recorded AMI traffic is a unit-test fixture
(``tests/calls/fixtures``).

Only events the core acts on are translated; everything else gives None.
Agent legs are recognised by their channel, ``PJSIP/<agent>-<n>``, and the
one-member queues the engine rings agents through are ``kontakt-<agent>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

_AGENT_CHANNEL = re.compile(r"^PJSIP/(agent\d{2,3})-[0-9a-f]+$")
_AGENT_QUEUE = re.compile(r"^kontakt-(agent\d{2,3})$")


class DialStatus(StrEnum):
    ANSWER = "ANSWER"
    NOANSWER = "NOANSWER"
    BUSY = "BUSY"
    CHANUNAVAIL = "CHANUNAVAIL"
    CONGESTION = "CONGESTION"
    CANCEL = "CANCEL"  # the caller left while it rang
    OTHER = "OTHER"  # anything else Asterisk says (DONTCALL, TORTURE, ...)

    @property
    def not_reached(self) -> bool:
        """The agent's phone did not take the call (the agent is to blame)."""
        return self in (DialStatus.NOANSWER, DialStatus.BUSY, DialStatus.CHANUNAVAIL,
                        DialStatus.CONGESTION)

    @property
    def final(self) -> bool:
        """Asterisk told how this ring attempt ended."""
        return self is DialStatus.ANSWER or self.not_reached


@dataclass(frozen=True)
class RingStarted:
    """Asterisk rings an agent's phone for a caller."""

    caller_uid: str
    leg_uid: str
    agent: str


@dataclass(frozen=True)
class RingEnded:
    caller_uid: str
    agent: str
    status: DialStatus


@dataclass(frozen=True)
class LegHungUp:
    """A channel is gone: a caller's leg, an agent's leg or a callback leg."""

    uid: str
    channel: str


@dataclass(frozen=True)
class HangupAsked:
    """Someone asked a channel to hang up (the agent, or the caller)."""

    uid: str
    channel: str


@dataclass(frozen=True)
class Claimed:
    """The dialplan's fast path put a caller into an agent's one-member queue."""

    uid: str
    agent: str
    caller: str | None
    channel: str


AmiEvent = RingStarted | RingEnded | LegHungUp | HangupAsked | Claimed


def agent_of(channel: str) -> str | None:
    """``agent07`` for ``PJSIP/agent07-0000002a``; None for any other channel."""
    m = _AGENT_CHANNEL.match(channel)
    return m.group(1) if m else None


def translate(raw: Mapping[str, str]) -> AmiEvent | None:
    name = raw.get("Event", "")
    uid = raw.get("Uniqueid", "")
    if not uid:
        return None
    if name in ("DialBegin", "DialEnd"):
        agent = agent_of(raw.get("DestChannel", ""))
        if agent is None:
            return None
        if name == "DialBegin":
            return RingStarted(uid, raw.get("DestUniqueid", ""), agent)
        status = raw.get("DialStatus", "")
        return RingEnded(uid, agent, DialStatus(status) if status in DialStatus.__members__
                         else DialStatus.OTHER)
    if name == "Hangup":
        return LegHungUp(uid, raw.get("Channel", ""))
    if name in ("HangupRequest", "SoftHangupRequest"):
        return HangupAsked(uid, raw.get("Channel", ""))
    if name == "QueueCallerJoin":
        m = _AGENT_QUEUE.match(raw.get("Queue", ""))
        if m is None:
            return None
        caller = raw.get("CallerIDNum") or None
        return Claimed(uid, m.group(1), None if caller in ("<unknown>", "") else caller,
                       raw.get("Channel", ""))
    return None
