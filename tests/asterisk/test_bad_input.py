"""Bad input from the wire gets a clear log line and loses nothing: a garbled
FastAGI handshake, a hang-up in the middle of an AGI command, a garbled AMI
frame.  Real sockets on free ports; the peers send what a broken or hung-up
Asterisk would."""

from __future__ import annotations

import asyncio

from asterisk.ami import Ami
from asterisk.fastagi import AgiSession, CallHungUp, FastAgiServer

ENV = (
    b"agi_network: yes\nagi_network_script: call\nagi_request: agi://127.0.0.1:4573/call\n"
    b"agi_uniqueid: 1.1\nagi_channel: PJSIP/trunk-1\nagi_context: kontakt-inbound\n"
    b"agi_callerid: 0214001001\nagi_dnid: 0800021021\n\n"
)


async def test_garbled_handshake_is_refused_and_the_server_keeps_serving():
    seen: list[str] = []

    async def call(agi: AgiSession) -> None:
        seen.append(agi.dialled)

    server = FastAgiServer({"call": call}, "127.0.0.1", 0)
    await server.start()
    try:
        r, w = await asyncio.open_connection("127.0.0.1", server.port)
        w.write(b"\x00\xffthis is not AGI\n\n")
        await w.drain()
        assert await asyncio.wait_for(r.read(), 5) == b""  # closed on us, quietly
        w.close()
        await w.wait_closed()
        r, w = await asyncio.open_connection("127.0.0.1", server.port)
        w.write(ENV)
        await w.drain()
        await asyncio.wait_for(r.read(), 5)
        w.close()
        await w.wait_closed()
        assert seen == ["0800021021"]
    finally:
        await server.stop()


async def test_hangup_mid_command_ends_the_session_without_a_traceback(capsys):
    outcome: list[str] = []

    async def call(agi: AgiSession) -> None:
        try:
            await agi.set_var("KONTAKT_STATE", "waiting")
        except CallHungUp:
            outcome.append("hung up")
            raise

    server = FastAgiServer({"call": call}, "127.0.0.1", 0)
    await server.start()
    try:
        r, w = await asyncio.open_connection("127.0.0.1", server.port)
        w.write(ENV)
        await w.drain()
        assert (await asyncio.wait_for(r.readline(), 5)).startswith(b"SET VARIABLE")
        w.write(b"HANGUP\n")
        await w.drain()
        assert await asyncio.wait_for(r.read(), 5) == b""
        w.close()
        await w.wait_closed()
    finally:
        await server.stop()
    assert outcome == ["hung up"]
    assert "Traceback" not in capsys.readouterr().err


async def test_garbled_ami_frame_does_not_stop_the_event_stream():
    done = asyncio.Event()

    async def fake_asterisk(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        w.write(b"Asterisk Call Manager/5.0.6\r\n")
        login = await r.readuntil(b"\r\n\r\n")
        action_id = next(
            x.split(b": ", 1)[1] for x in login.split(b"\r\n") if x.lower().startswith(b"actionid")
        )
        w.write(b"Response: Success\r\nActionID: " + action_id + b"\r\nMessage: ok\r\n\r\n")
        w.write(b"Event: FullyBooted\r\nStatus: Fully Booted\r\n\r\n")
        w.write(b"\xff\xfe garbage without a colon\r\n\x00\r\n\r\n")
        w.write(b"Event: Hangup\r\nUniqueid: 42.1\r\nCause: 16\r\n\r\n")
        await w.drain()
        await done.wait()
        w.close()
        await w.wait_closed()

    server = await asyncio.start_server(fake_asterisk, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    ami = Ami("127.0.0.1", port, "kontakt", "secret")
    got: list[dict[str, str]] = []
    ami.listeners.append(got.append)
    try:
        await ami.connect(timeout=5)
        for _ in range(100):
            if any(e.get("Event") == "Hangup" for e in got):
                break
            await asyncio.sleep(0.02)
        assert any(e.get("Event") == "Hangup" and e.get("Uniqueid") == "42.1" for e in got)
    finally:
        ami.close()
        done.set()
        server.close()
        await server.wait_closed()


async def test_no_reply_in_time_sends_nothing_more_and_closes_the_session():
    """An Asterisk too slow to answer a command is not a citizen who hung up:
    the engine sends nothing more on that session (a late "done" would hang
    the citizen up; a late reply would answer the wrong command), and closes
    it, so the dialplan goes on to app_queue."""
    outcome: list[str] = []

    async def call(agi: AgiSession) -> None:
        try:
            await agi.command("ANSWER", timeout=0.3)
        except CallHungUp:
            outcome.append("no reply")
        try:
            await agi.set_var("KONTAKT_ACTION", "done")
        except CallHungUp as e:
            outcome.append(str(e))
            raise

    server = FastAgiServer({"call": call}, "127.0.0.1", 0)
    await server.start()
    try:
        r, w = await asyncio.open_connection("127.0.0.1", server.port)
        w.write(ENV)
        await w.drain()
        assert (await asyncio.wait_for(r.readline(), 5)).startswith(b"ANSWER")
        # Asterisk says nothing for a while: no further command arrives, the
        # session is closed.
        assert await asyncio.wait_for(r.read(), 5) == b""
        w.close()
        await w.wait_closed()
    finally:
        await server.stop()
    assert outcome == ["no reply", "not sent: no reply to ANSWER earlier"]
