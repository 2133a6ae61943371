"""The FastAGI listener takes sessions only from permitted peers (loopback
unless configured) and only with an environment our dialplan sends: a
script name, arguments or variables that do not come from it are refused,
logged, and the server goes on serving real calls."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import pytest
from structlog.testing import capture_logs

from asterisk.agi_env import check_env, parse_block, permitted
from asterisk.fastagi import AgiSession, CallHungUp, FastAgiServer

GOOD = {
    "agi_network": "yes", "agi_network_script": "call",
    "agi_request": "agi://127.0.0.1:4573/call", "agi_channel": "PJSIP/trunk-00000001",
    "agi_language": "en", "agi_type": "PJSIP", "agi_uniqueid": "1701420000.17",
    "agi_version": "16.28.0~dfsg-0+deb11u4", "agi_callerid": "0214001001",
    "agi_calleridname": "Петар Петровић", "agi_callingpres": "0", "agi_callingani2": "0",
    "agi_callington": "0", "agi_callingtns": "0", "agi_dnid": "0800021021",
    "agi_rdnis": "unknown", "agi_context": "kontakt-inbound", "agi_extension": "0800021021",
    "agi_priority": "5", "agi_enhanced": "0.0", "agi_accountcode": "",
    "agi_threadid": "140241581991680",
}
ROUTES = ("call", "requeue", "feature")
REFUSED = [  # (change, reason)
    ({"agi_network_script": "admin"}, "unknown_script"),
    ({"agi_network_script": "call/../feature"}, "bad_value"),
    ({"agi_network_script": "feature", "agi_request": "agi://127.0.0.1:4573/feature"},
     "wrong_context"),  # feature codes come from kontakt-agents only
    ({"agi_context": "default"}, "wrong_context"),
    ({"agi_request": "agi://127.0.0.1:4573/requeue"}, "request_mismatch"),
    ({"agi_request": "agi://127.0.0.1:4573/call?agent=agent01"}, "request_mismatch"),
    ({"agi_arg_1": "dial:agent01"}, "arguments"),
    ({"agi_kontakt_agent": "agent01"}, "unknown_key"),
    ({"KONTAKT_ACTION": "dial:agent01"}, "unknown_key"),
    ({"agi_uniqueid": "1.1; DROP"}, "bad_value"),
    ({"agi_channel": "PJSIP/trunk 1"}, "bad_value"),
    ({"agi_callerid": "021\x1b[2J"}, "bad_value"),
    ({"agi_calleridname": "x" * 300}, "bad_value"),
]


def test_the_real_environment_passes():
    assert check_env(GOOD, ROUTES) is None
    assert check_env({**GOOD, "agi_uniqueid": "pbx1-1701420000.17"}, ROUTES) is None
    assert check_env({**GOOD, "agi_network_script": "requeue", "agi_context": "kontakt-route",
                      "agi_request": "agi://[::1]:4573/requeue"}, ROUTES) is None


@pytest.mark.parametrize("change,reason", REFUSED)
def test_environments_not_from_our_dialplan_are_refused(change, reason):
    refusal = check_env({**GOOD, **change}, ROUTES)
    assert refusal is not None and refusal.reason == reason


def test_parse_block_refuses_garbage():
    assert parse_block(b"agi_network: yes\nagi_network: yes\n\n")[1].reason == "duplicate_key"
    assert parse_block(b"\xff\xfe\n\n")[1].reason == "not_utf8"
    assert parse_block(b"hello\n\n")[1].reason == "not_a_variable"
    headers, refusal = parse_block(b"agi_network: yes\r\nagi_type: PJSIP\r\n\n")
    assert refusal is None and headers == {"agi_network": "yes", "agi_type": "PJSIP"}


def test_permitted_peers():
    assert permitted("127.0.0.1", ("127.0.0.0/8", "::1/128"))
    assert permitted("::1", ("127.0.0.0/8", "::1/128"))
    assert permitted("::ffff:127.0.0.1", ("127.0.0.0/8",))
    assert not permitted("10.1.2.3", ("127.0.0.0/8", "::1/128"))
    assert permitted("10.1.2.3", ("10.1.2.0/24",))
    assert not permitted("garbage", ("0.0.0.0/0",))


def _env(headers):
    return "".join(f"{k}: {v}\n" for k, v in headers.items()).encode() + b"\n"


async def _session(port, data, host="127.0.0.1"):
    """What the server answered before it closed; a refused peer's connection
    may be reset (closed with our bytes unread): that is an answer too."""
    r, w = await asyncio.open_connection(host, port)
    try:
        w.write(data)
        await w.drain()
        return await asyncio.wait_for(r.read(), 5)
    except ConnectionResetError:
        return b""
    finally:
        w.close()
        with contextlib.suppress(ConnectionError):
            await w.wait_closed()


async def test_the_server_refuses_and_keeps_serving():
    seen = []

    async def call(agi: AgiSession) -> None:
        seen.append(agi.uniqueid)

    server = FastAgiServer({"call": call}, "127.0.0.1", 0)
    await server.start()
    try:
        with capture_logs() as logs:
            for change, _ in REFUSED:
                assert await _session(server.port, _env({**GOOD, **change})) == b""
            await _session(server.port, _env(GOOD))
        assert seen == [GOOD["agi_uniqueid"]]  # only the real one reached the handler
        reasons = [e["reason"] for e in logs if e["event"] == "agi.refused"]
        assert len(reasons) == len(REFUSED) and "unknown_script" in reasons
    finally:
        await server.stop()


def _outside_address():
    """This machine's address on its way out (not loopback), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent
            addr = s.getsockname()[0]
        except OSError:
            return None
    return None if addr.startswith("127.") else addr


async def test_peers_outside_the_permit_are_refused():
    seen = []

    async def call(agi: AgiSession) -> None:
        seen.append(agi.uniqueid)

    # Loopback only (the default), listening on every address.
    server = FastAgiServer({"call": call}, "0.0.0.0", 0)
    await server.start()
    outside = _outside_address()
    try:
        with capture_logs() as logs:
            if outside is not None:
                assert await _session(server.port, _env(GOOD), outside) == b""
            await _session(server.port, _env(GOOD))
        assert seen == [GOOD["agi_uniqueid"]]
        if outside is not None:
            assert any(e.get("reason") == "peer_not_permitted" for e in logs)
    finally:
        await server.stop()
    # Permitting only another network shuts loopback out as well.
    server = FastAgiServer({"call": call}, "127.0.0.1", 0, permit=("10.99.0.0/16",))
    await server.start()
    try:
        assert await _session(server.port, _env(GOOD)) == b""
        assert len(seen) == 1
    finally:
        await server.stop()


GARBAGE_REPLIES = [b"510 Invalid or unknown command\n", b"\xff\xfe\n", b"200 result=abc (x\n",
                   b"HANGUP\n", b"\n", b"520-Invalid command syntax.\n", b"999\n",
                   b"200 result=1 (" + b"x" * 100_000 + b")\n", b"",
                   b"511 Command Not Permitted on a dead channel or intercept routine\n"]


async def test_garbage_replies_end_the_session_as_a_hang_up():
    """A reply that is not AGI ends the session like a hang-up: the handler
    sees CallHungUp, never a parser's exception, and the server goes on."""
    outcome = []

    async def call(agi: AgiSession) -> None:
        try:
            await agi.command("ANSWER", timeout=1)
            outcome.append("answered")
        except CallHungUp as e:
            outcome.append(f"hung up: {e}")

    server = FastAgiServer({"call": call}, "127.0.0.1", 0)
    await server.start()
    try:
        for reply in [*GARBAGE_REPLIES, b"200 result=0\n"]:
            r, w = await asyncio.open_connection("127.0.0.1", server.port)
            w.write(_env(GOOD))
            await w.drain()
            assert await asyncio.wait_for(r.readline(), 5) == b"ANSWER\n"
            w.write(reply)
            if not reply:
                w.write_eof()
            await w.drain()
            await asyncio.wait_for(r.read(), 5)
            w.close()
            await w.wait_closed()
    finally:
        await server.stop()
    assert len(outcome) == len(GARBAGE_REPLIES) + 1
    assert all(o.startswith("hung up") for o in outcome[:-1]), outcome
    assert outcome[-1] == "answered"
