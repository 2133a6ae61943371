"""One AGI command's round trip on a real socket: the replies Asterisk sends
in more than one line, and the one timer a session keeps for its commands'
deadlines (moved, not set anew, per command)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from asterisk.fastagi import AgiSession, CallHungUp, FastAgiServer

ENV = (
    b"agi_network: yes\nagi_network_script: call\nagi_request: agi://127.0.0.1:4573/call\n"
    b"agi_uniqueid: 1.1\nagi_channel: PJSIP/trunk-1\nagi_context: kontakt-inbound\n\n"
)
Asterisk = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _run(handler: Callable[[AgiSession], Awaitable[None]], asterisk: Asterisk) -> None:
    """One session: ``handler`` on the engine's side, ``asterisk`` on the other."""
    server = FastAgiServer({"call": handler}, "127.0.0.1", 0)
    await server.start()
    try:
        r, w = await asyncio.open_connection("127.0.0.1", server.port)
        w.write(ENV)
        await asyncio.wait_for(asterisk(r, w), 10)
        assert await asyncio.wait_for(r.read(), 5) == b""  # the engine closed the session
        w.close()
        await w.wait_closed()
    finally:
        await server.stop()


async def test_trying_and_a_usage_text_keep_the_replies_in_step():
    got: list[object] = []

    async def call(agi: AgiSession) -> None:
        got.append((await agi.command("EXEC Wait 1"))["result"])
        try:
            await agi.command("STREAM FILE")
        except CallHungUp as e:
            got.append(str(e))
        got.append(await agi.get_var("X"))

    async def asterisk(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        assert await r.readline() == b"EXEC Wait 1\n"
        w.write(b"100 result=0 Trying...\n200 result=0\n")
        assert await r.readline() == b"STREAM FILE\n"
        w.write(b"520-Invalid command syntax.  Proper usage follows:\n"
                b" Usage: STREAM FILE <filename> <escape_digits> [<sample offset>]\n"
                b"520 End of proper usage.\n")
        assert await r.readline() == b"GET VARIABLE X\n"
        w.write(b"200 result=1 (value)\n")

    await _run(call, asterisk)
    assert got == [("0", ""), "bad reply to STREAM", "value"]


async def test_each_command_keeps_its_own_deadline():
    """A long command, then short ones: the short one that gets no reply
    times out after its own timeout (not the long one's); one that replies in
    time is not cut short by the deadline of the one before."""
    got: list[str] = []
    waited: list[float] = []

    async def call(agi: AgiSession) -> None:
        await agi.command("GOSUB kontakt-ring s 1 agent01", timeout=3600)
        await agi.command("ANSWER", timeout=0.2)
        await agi.command("STREAM FILE a \"\"", timeout=0.6)  # its reply comes after 0.3 s
        loop = asyncio.get_running_loop()
        start = loop.time()
        try:
            await agi.command("STREAM FILE b \"\"", timeout=0.3)
        except CallHungUp as e:
            got.append(str(e))
            waited.append(loop.time() - start)
        try:
            await agi.command("ANSWER")
        except CallHungUp as e:
            got.append(str(e))

    async def asterisk(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        for reply_after in (0.05, 0.1, 0.3):
            await r.readline()
            await asyncio.sleep(reply_after)
            w.write(b"200 result=0\n")
        assert (await r.readline()).startswith(b"STREAM FILE b")  # and no reply

    await _run(call, asterisk)
    assert got == ["no reply to STREAM", "not sent: no reply to STREAM earlier"]
    assert 0.29 <= waited[0] < 2  # its own 0.3 s, not the 3600 s of the GOSUB
