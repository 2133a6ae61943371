"""The call core's ports over the real Asterisk (``asterisk.ami.Ami``)."""

from __future__ import annotations

import asyncio

from asterisk.ami import Ami, AmiError
from kontakt.calls.ports import Channel, PbxError


class AmiPbx:
    def __init__(self, ami: Ami) -> None:
        self.ami = ami

    async def set_global(self, name: str, value: str) -> None:
        try:
            await self.ami.action("Setvar", Variable=name, Value=value)
        except AmiError as e:
            raise PbxError(e.code, str(e)) from None

    async def originate_callback(self, agent: str, number: str, call_id: str,
                                 ring_timeout: float) -> str | None:
        # An async Originate resolves only when the agent answers or fails.
        try:
            replies = await asyncio.wait_for(self.ami.action_list(
                "Originate", Channel=f"PJSIP/{agent}", Context="kontakt-callback",
                Exten=number, Priority=1, Async="true", CallerID=f"Callback <{number}>",
                Timeout=int(ring_timeout * 1000), Variable=f"KONTAKT_CALLBACK={call_id}",
            ), ring_timeout + 10)
        except TimeoutError:
            raise PbxError("ami.timeout", "Originate got no answer") from None
        except AmiError as e:
            raise PbxError(e.code, str(e)) from None
        result = next((r for r in replies if r.get("Event") == "OriginateResponse"), {})
        return result.get("Uniqueid") or None if result.get("Response") == "Success" else None

    async def channels(self) -> list[Channel]:
        try:
            listed = await self.ami.action_list("CoreShowChannels")
        except AmiError as e:
            raise PbxError(e.code, str(e)) from None
        # Reconcile ends contacts missing from this list: only a complete
        # answer may be used.
        if not any(c.get("Event") == "CoreShowChannelsComplete" for c in listed):
            raise PbxError("ami.incomplete", "CoreShowChannels gave no complete list")
        return [Channel(c["Uniqueid"], c.get("Channel", "")) for c in listed
                if c.get("Event") == "CoreShowChannel" and c.get("Uniqueid")]
