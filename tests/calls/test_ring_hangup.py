"""The ring inside the caller's own AGI session, on the real session object:
a caller who hangs up while the agent rings ends the route there."""

from __future__ import annotations

import asyncio

from fakes import World

from asterisk.fastagi import AgiSession


class Wire:
    """The engine's side of the socket: what the session wrote."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, data: bytes) -> None:
        self.lines.append(data.decode().rstrip("\n"))


async def test_a_caller_who_hangs_up_during_the_ring_ends_the_route(tmp_path):
    w = World(tmp_path)
    await w.engine.agent_login("agent01")
    reader, wire = asyncio.StreamReader(), Wire()
    # Asterisk's reply when the channel hangs up inside the Gosub, then the
    # socket closes.
    reader.feed_data(b"200 result=-1 Gosub failed\n")
    reader.feed_eof()
    agi = AgiSession({"agi_uniqueid": "c1", "agi_channel": "PJSIP/trunk-c1",
                      "agi_callerid": "0214001001"}, reader, wire)  # type: ignore[arg-type]
    try:
        await asyncio.wait_for(w.engine.routes.call(agi), 5)
    finally:
        agi.close()
    assert wire.lines == ["GOSUB kontakt-ring s 1 agent01"]  # nothing after it
    assert w.core.acd.agents["agent01"].reason is None  # not paused as not reached
