"""The waiting room: a caller with no free agent waits in its own AGI
session with music on hold, hears its place and the expected wait every
``announce_every`` seconds, and after ``max_wait`` is offered a callback
(press 1, keeping its place).  It leaves when the distributor offers it an
agent (the contact's ``offer`` resolves), telling the dialplan whom to dial."""

from __future__ import annotations

import asyncio
import re

from asterisk.fastagi import AgiSession, CallHungUp
from kontakt.calls import callbacks
from kontakt.calls.contacts import Contact
from kontakt.calls.core import CallCore
from kontakt.calls.voice import CALLBACK_KEY, Voice

NEEDS_VAR = "KONTAKT_NEEDS"  # the skills a waiting call needs, on its channel
_SKILL = re.compile(r"^[a-z0-9_-]{1,32}$")


def parse_needs(raw: str | None) -> tuple[str, ...]:
    """KONTAKT_NEEDS as the engine wrote it; anything else is dropped."""
    return tuple(s for s in (raw or "").split(",") if _SKILL.match(s))[:8]


def _key(result: dict[str, object]) -> str:
    code = str((result.get("result") or ("0",))[0])  # type: ignore[index]
    return chr(int(code)) if code.isdigit() and code != "0" else ""


class WaitingRoom:
    def __init__(self, core: CallCore, voice: Voice, *, announce_every: float,
                 max_wait: float) -> None:
        self.core, self.voice = core, voice
        self.announce_every, self.max_wait = announce_every, max_wait

    async def connect(self, agi: AgiSession, contact: Contact, language: str,
                      needs: tuple[str, ...] = ()) -> None:
        """Wait until an agent is offered, then tell the dialplan to dial it."""
        offer = contact.offer if contact.offer is not None else contact.new_offer()
        try:
            if offer.cancelled():
                return  # the caller is already gone
            if offer.done():
                agent = offer.result()
            else:
                await agi.set_var("KONTAKT_STATE", "waiting")
                if needs:  # for an engine that restarts while this caller waits
                    await agi.set_var(NEEDS_VAR, ",".join(needs))
                # Answered while waiting, as app_queue does: music, position
                # announcements and the callback key need a two-way channel.
                await agi.command("ANSWER")
                await agi.exec("StartMusicOnHold", "default")
                chosen = await self._wait(agi, contact, offer, language)
                if chosen is None:  # a callback instead of waiting
                    await agi.set_var("KONTAKT_ACTION", "reject:callback")
                    return
                agent = chosen
                await agi.exec("StopMusicOnHold")
                await agi.set_var("KONTAKT_STATE", "ringing")
            contact.attempt = agent
            await agi.set_var("KONTAKT_ACTION", f"dial:{agent}")
        except CallHungUp:
            pass  # the caller left: AMI's Hangup event does the bookkeeping

    async def _wait(self, agi: AgiSession, contact: Contact, offer: asyncio.Future[str],
                    language: str) -> str | None:
        """The agent offered to this caller, or None if it chose a callback."""
        every = self.announce_every or None
        started = self.core.clock()
        offered_callback = not self.max_wait
        while True:
            timeout = every
            if not offered_callback:
                left = max(0.0, started + self.max_wait - self.core.clock())
                timeout = left if timeout is None else min(timeout, left)
            try:
                return await asyncio.wait_for(asyncio.shield(offer), timeout)
            except TimeoutError:
                if not offered_callback and self.core.clock() - started >= self.max_wait:
                    offered_callback = True
                    if await self._offer_callback(agi, contact, offer, language):
                        return None
                else:
                    await self._announce(agi, contact, offer, language)
            except asyncio.CancelledError:
                if offer.cancelled():  # the caller hung up, not a shutdown
                    raise CallHungUp("caller hung up while waiting") from None
                raise

    async def _say(self, agi: AgiSession, steps: list[str], offer: asyncio.Future[str]) -> str:
        """Play the steps until one is interrupted by a key (returned) or an
        agent frees up (stop talking, connect)."""
        for step in steps:
            if offer.done():
                return ""
            key = _key(await agi.command(step))
            if key:
                return key
        return ""

    async def _offer_callback(self, agi: AgiSession, contact: Contact,
                              offer: asyncio.Future[str], language: str) -> bool:
        """"Press 1 to be called back": the caller keeps its place either way."""
        if contact.caller is None or offer.done():
            return False
        await agi.exec("StopMusicOnHold")
        key = await self._say(agi, self.voice.callback_offer(language), offer)
        if not key and not offer.done():
            key = _key(await agi.command("WAIT FOR DIGIT 5000"))
        if key == CALLBACK_KEY and not offer.done():
            await callbacks.accept(self.core, contact, contact.caller, language)
            await self._say(agi, self.voice.callback_recorded(language), offer)
            return True
        if not offer.done():
            await agi.exec("StartMusicOnHold", "default")
        return False

    async def _announce(self, agi: AgiSession, contact: Contact, offer: asyncio.Future[str],
                        language: str) -> None:
        """The caller's place and expected wait."""
        acd = self.core.acd
        call = acd.calls.get(contact.uid)
        if call is None or call.state != "waiting" or offer.done():
            return
        position = acd.position(call.id)
        minutes = max(1, round(acd.expected_wait(call.id) / 60))
        self.core.publish.call(call.id, "call.position", position=position,
                               expected_wait_minutes=minutes)
        await agi.exec("StopMusicOnHold")
        await self._say(agi, self.voice.position(language, position, minutes), offer)
        if not offer.done():
            await agi.exec("StartMusicOnHold", "default")
