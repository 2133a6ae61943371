"""The endpoint Kannel's sms-service calls for each SMS a citizen sends
(``get-url``), on its own port and address (``sms_inbound_host/port``), not
on the workstations' web port: only Kannel talks to it.

It answers only Kannel: the peer's address must be in ``sms_inbound_allow``
(403 otherwise) and the request must carry Basic auth with
``sms_inbound_username``/``sms_inbound_password`` (401).  Kannel's get-url:

    get-url = "http://kannel:PASSWORD@127.0.0.1:8023/kannel/sms?from=%p&to=%P&bin=%b&coding=%c&charset=%C&smsc=%i"

``bin`` is the message's bytes in ``charset`` (UTF-16BE for UCS-2, which
Kannel gives for Cyrillic), decoded here from the raw query string.  The
message is logged before the answer: 200 when it was taken (or refused for
what it is: 400, an empty text or no sender), 503 when the database is
down, so Kannel's ``http-request-retry`` sends it again.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import ipaddress
import socket
import urllib.parse
from collections.abc import Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from infra.logs import get_logger
from kontakt.channels.routing import Routing
from kontakt.channels.sms import InboundSms, SmsChannel, SmsRefused
from kontakt.channels.store import Direction, Fate

log = get_logger()
PATH = "/kannel/sms"
ANSWER_WITHIN = 10.0  # seconds Kannel waits for the outcome; the routing goes on after
_CHARSETS = {"utf-8", "utf-16be", "ucs-2", "iso-8859-1", "windows-1252", "us-ascii"}


def get_url(username: str, password: str, host: str, port: int) -> str:
    """The get-url line of Kannel's sms-service for this endpoint."""
    auth = f"{urllib.parse.quote(username, safe='')}:{urllib.parse.quote(password, safe='')}"
    return (f"http://{auth}@{host}:{port}{PATH}?from=%p&to=%P&bin=%b&coding=%c"
            f"&charset=%C&smsc=%i")


def decode(raw: bytes, coding: str, charset: str) -> str:
    """The text of a message from its bytes; undecodable bytes are refused."""
    cs = (charset or "").strip().lower()
    if coding == "2" or cs in ("ucs-2", "utf-16be"):
        cs = "utf-16-be"
    elif cs not in _CHARSETS:
        cs = "utf-8"
    try:
        return raw.decode(cs)
    except UnicodeDecodeError:
        raise SmsRefused("sms.bad_encoding", f"not valid {cs}") from None


class KannelDoor:
    def __init__(self, channel: SmsChannel, username: str, password: str,
                 allow: tuple[str, ...]) -> None:
        self.channel = channel
        self._auth = f"{username}:{password}".encode()
        self.allow = [ipaddress.ip_network(n) for n in allow]
        self.routing = Routing(ANSWER_WITHIN)

    def _allowed(self, request: Request) -> bool:
        host = request.client.host if request.client else ""
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(ip in net for net in self.allow)

    def _authorized(self, request: Request) -> bool:
        kind, _, value = request.headers.get("authorization", "").partition(" ")
        if kind.lower() != "basic":
            return False
        try:
            given = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        return hmac.compare_digest(given, self._auth)

    async def sms(self, request: Request) -> PlainTextResponse:
        if not self._allowed(request):
            log.warning("sms.inbound_forbidden", peer=request.client.host if request.client
                        else None)
            return PlainTextResponse("forbidden", status_code=403)
        if not self._authorized(request):
            log.warning("sms.inbound_unauthorized")
            return PlainTextResponse("unauthorized", status_code=401,
                                     headers={"WWW-Authenticate": 'Basic realm="kannel"'})
        q = urllib.parse.parse_qs(request.scope.get("query_string", b"").decode("latin-1"),
                                  encoding="latin-1", max_num_fields=20)
        one = {k: v[0] for k, v in q.items() if v}
        raw = one.get("bin", one.get("text", "")).encode("latin-1")
        try:
            text = decode(raw, one.get("coding", "0"), one.get("charset", "utf-8"))
            sms = InboundSms(one.get("from", ""), one.get("to", ""), text, one.get("smsc", ""))
            mid, sender, body = await self.channel.accept(sms)
        except SmsRefused as e:
            log.info("sms.refused", code=e.code, reason=str(e))
            if e.code == "sms.bad_encoding":  # kept as it came, for the record
                await self.channel.log.record(
                    "sms", Direction.IN, Fate.REFUSED, one.get("from", "?")[:40],
                    raw[:1000].hex(), reason=f"{e.code}: {e}")
            return PlainTextResponse(f"refused: {e}", status_code=400)
        except Exception as e:  # not logged (the database is down...): Kannel sends it again
            log.error("sms.inbound_unavailable", error=repr(e))
            return PlainTextResponse("try again later", status_code=503)
        # Logged: from here on the message is kept whatever happens to this request.
        outcome = await self.routing.answer(self.channel.route(mid, sender, body))
        return PlainTextResponse(outcome, status_code=200)

    async def drain(self, within: float = 3.0) -> None:
        """Let messages being routed finish (on stop), then cancel what is left."""
        await self.routing.drain(within)


class _NoSignalServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the process's owner (kontakt run, kontakt demo) handles SIGINT and SIGTERM


class SmsInbound:
    """The endpoint served by uvicorn inside the caller's loop."""

    def __init__(self, door: KannelDoor, host: str, port: int) -> None:
        self.door = door
        self.app = Starlette(routes=[Route(PATH, door.sms, methods=["GET", "POST"])])
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.host, self.port = host, self.sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off",
                                access_log=False, server_header=False,
                                timeout_graceful_shutdown=2)
        self.server = _NoSignalServer(config)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> SmsInbound:
        self.task = asyncio.create_task(self.server.serve(sockets=[self.sock]))
        while not self.server.started:
            if self.task.done():
                self.task.result()
            await asyncio.sleep(0.02)
        log.info("sms.inbound_listening", host=self.host, port=self.port)
        return self

    async def stop(self) -> None:
        self.server.should_exit = True
        await self.door.drain()
        if self.task is not None:
            try:
                await asyncio.wait_for(self.task, 5)
            except TimeoutError:
                self.server.force_exit = True
        self.sock.close()

    def summary(self) -> dict[str, Any]:
        return {"sms_inbound": f"http://{self.host}:{self.port}{PATH}"}
