"""One record per live contact, owned here: created in ``open``/``external``
and forgotten in ``forget``, nowhere else.

A contact is the caller's leg (keyed by its uniqueid) with what belongs to
it while it lives: the AGI session waiting for an agent (``offer``), the
agent being rung (``attempt``: what the dialplan was told), the agent's leg,
a callback's originated leg, and whether the agent ended the call.  Legs
point back to their contact through one index, so an AMI event about any
leg finds the contact in O(1).  An agent busy on a call the engine did not
place (app_queue fallback, a previous engine) is an ``external`` contact
keyed by the agent's own leg.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    CALL = "call"  # a citizen's call the engine routes
    EXTERNAL = "external"  # an agent's leg on a call the engine did not place


@dataclass
class Contact:
    uid: str
    kind: Kind
    channel: str = ""
    caller: str | None = None
    agent: str | None = None  # EXTERNAL: the busy agent
    attempt: str | None = None  # the agent being rung for this call
    agent_leg: str | None = None
    callback_leg: str | None = None
    ended_by_agent: bool = False
    callback: bool = False  # the caller asked to be called back: outlives its leg
    offer: asyncio.Future[str] | None = field(default=None, repr=False)

    def new_offer(self) -> asyncio.Future[str]:
        """A fresh wait for an agent (after an unreached one)."""
        self.offer = asyncio.get_running_loop().create_future()
        return self.offer

    def resolve(self, agent: str) -> bool:
        """Hand the waiting session its agent; False if nobody waits."""
        if self.offer is None or self.offer.done():
            return False
        self.offer.set_result(agent)
        return True

    def stop_waiting(self) -> None:
        """The caller is gone: end the waiting session (Asterisk keeps a
        hung-up channel while its AGI script runs)."""
        if self.offer is not None and not self.offer.done():
            self.offer.cancel()


class Contacts:
    def __init__(self) -> None:
        self._by_uid: dict[str, Contact] = {}
        self._legs: dict[str, str] = {}  # agent or callback leg uniqueid -> contact uid

    def __len__(self) -> int:
        return len(self._by_uid)

    def __iter__(self) -> Iterator[Contact]:
        return iter(list(self._by_uid.values()))

    def open(self, uid: str, channel: str = "", caller: str | None = None) -> Contact:
        """The caller's contact, made on first sight (a repeat keeps it)."""
        contact = self._by_uid.get(uid)
        if contact is None:
            contact = Contact(uid, Kind.CALL, channel, caller)
            self._by_uid[uid] = contact
        return contact

    def external(self, leg_uid: str, agent: str) -> Contact | None:
        """An agent found on a call the engine did not place; None if known."""
        if leg_uid in self._by_uid or leg_uid in self._legs:
            return None
        contact = Contact(leg_uid, Kind.EXTERNAL, agent=agent)
        self._by_uid[leg_uid] = contact
        return contact

    def get(self, uid: str) -> Contact | None:
        return self._by_uid.get(uid)

    def by_leg(self, leg_uid: str) -> Contact | None:
        uid = self._legs.get(leg_uid)
        return None if uid is None else self._by_uid.get(uid)

    def link_agent_leg(self, contact: Contact, leg_uid: str) -> None:
        if contact.agent_leg:
            self._legs.pop(contact.agent_leg, None)
        contact.agent_leg = leg_uid
        self._legs[leg_uid] = contact.uid

    def link_callback_leg(self, contact: Contact, leg_uid: str) -> None:
        contact.callback_leg = leg_uid
        self._legs[leg_uid] = contact.uid

    def unlink_leg(self, leg_uid: str) -> None:
        uid = self._legs.pop(leg_uid, None)
        contact = None if uid is None else self._by_uid.get(uid)
        if contact is not None:
            if contact.agent_leg == leg_uid:
                contact.agent_leg = None
            if contact.callback_leg == leg_uid:
                contact.callback_leg = None

    def forget(self, uid: str) -> Contact | None:
        """The contact is over: drop it and every leg that points to it."""
        contact = self._by_uid.pop(uid, None)
        if contact is None:
            return None
        for leg in (contact.agent_leg, contact.callback_leg):
            if leg and self._legs.get(leg) == uid:
                del self._legs[leg]
        contact.stop_waiting()
        return contact

    def sizes(self) -> dict[str, int]:
        """For the soak and /metrics: flat under steady load, or a leak."""
        return {"contacts": len(self._by_uid), "legs": len(self._legs)}
