"""FastAGI server: one session object per AGI connection.

Own accept loop (panoramisk's ``Application.handler`` swallows every
exception, CancelledError included) and own command round trip: one write,
one ``readuntil`` per reply line, ``asterisk.agi_reply`` for the line
(panoramisk's ``Request`` cost a fifth of the engine's CPU per call in
layers and general-purpose parsing).  A hang-up mid-command raises
``CallHungUp`` so handlers end quietly; nothing reaches the user as a
traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import structlog

from asterisk import agi_reply
from asterisk.agi_env import DIALPLAN_CONTEXTS, LOOPBACK, check_env, parse_block, permitted
from infra.logs import bind_call

log = structlog.get_logger()
_RESULT = re.compile(r"-?[0-9]*")  # result=1, result=-1, result=49 (a digit's code), result=


class CallHungUp(Exception):
    """The channel went away while the engine talked to it."""


def _verb(line: str) -> str:
    return line.split(None, 1)[0] if line.strip() else "?"


class AgiSession:
    def __init__(self, headers: dict[str, str], reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.headers = headers
        self.reader, self.writer = reader, writer
        # A command Asterisk did not answer in time: its reply may still come
        # and would be read as the next command's, so nothing more is sent
        # (no "done" told to a slow Asterisk hangs the citizen up; the
        # dialplan goes on to app_queue when the session closes).
        self.stalled: str | None = None
        self._deadline: float | None = None  # the current command's, on the loop's clock
        self._timer: asyncio.TimerHandle | None = None

    @property
    def uniqueid(self) -> str:
        return self.headers.get("agi_uniqueid", "")

    @property
    def channel(self) -> str:
        return self.headers.get("agi_channel", "")

    @property
    def caller(self) -> str | None:
        num = self.headers.get("agi_callerid", "")
        return None if num in ("", "unknown", "anonymous", "Anonymous") else num

    @property
    def dialled(self) -> str:
        return self.headers.get("agi_dnid") or self.headers.get("agi_extension", "")

    async def command(self, line: str, timeout: float = 30.0) -> dict[str, Any]:
        """One AGI command.  Anything but a well-formed ``200 result=<int>``
        ends the session as a hang-up would (``CallHungUp``): a reply that is
        not AGI (bytes that are not UTF-8, a line past the reader's limit, no
        status), an error status, or no reply in ``timeout``.  The handlers
        then end quietly and the dialplan goes on (to app_queue if need be)."""
        if self.stalled is not None:
            raise CallHungUp(f"not sent: no reply to {self.stalled} earlier")
        try:
            self.writer.write(line.encode() + b"\n")
            self._arm(timeout)
            try:
                result = await self._reply()
            finally:
                self._deadline = None
            if isinstance(self.reader.exception(), TimeoutError):
                # The timer fired as the reply came in: as asyncio.timeout
                # would have, count it as no reply, so nothing more is sent.
                raise TimeoutError
        except (ConnectionError, asyncio.IncompleteReadError) as e:
            raise CallHungUp(str(e)) from None
        except TimeoutError:
            self.stalled = _verb(line)
            log.warning("agi.no_reply", command=self.stalled, timeout=timeout)
            raise CallHungUp(f"no reply to {self.stalled}") from None
        except (ValueError, asyncio.LimitOverrunError):  # not UTF-8, overlong, no status
            log.warning("agi.not_agi_reply", command=_verb(line))
            raise CallHungUp(f"not an AGI reply to {_verb(line)}") from None
        if result.get("error") == "AGIResultHangup" or not result.get("status_code", 1):
            raise CallHungUp(line)
        if result.get("error") == "AGIAppError":  # result=-1: the caller may be gone
            return result  # as before: the next command tells (AGIResultHangup)
        if result["status_code"] != 200 or not _RESULT.fullmatch(result["result"][0]):
            log.warning("agi.bad_reply", command=_verb(line), status=result["status_code"])
            raise CallHungUp(f"bad reply to {_verb(line)}")
        return result

    def _arm(self, timeout: float) -> None:
        """Set this command's deadline.  One timer per session, not one per
        command (a timer set and cancelled per command was a third of the
        command's CPU): it is moved only when the new deadline comes earlier,
        and when it fires after the deadline it meant was met, it is set
        again for the current one."""
        loop = asyncio.get_running_loop()
        self._deadline = deadline = loop.time() + timeout
        if self._timer is None or self._timer.when() > deadline:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = loop.call_at(deadline, self._expire)

    def _expire(self) -> None:
        self._timer = None
        deadline = self._deadline
        if deadline is None:  # no command waits: the next one sets the timer again
            return
        loop = asyncio.get_running_loop()
        if loop.time() < deadline:
            self._timer = loop.call_at(deadline, self._expire)
            return
        # The reply's read raises this (and so would any later read).
        self.reader.set_exception(TimeoutError())

    def close(self) -> None:
        """The session is over: its timer goes."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def _reply(self) -> dict[str, Any]:
        """The reply to the command just sent: past ``100 Trying``, and a
        ``520`` usage text read to its end so the next reply is in step."""
        while True:
            reply = agi_reply.parse(await self._line())
            code = reply.get("status_code")
            if code == agi_reply.TRYING:
                continue
            if code == agi_reply.USAGE and reply["msg"].startswith("520-"):
                while not (await self._line()).startswith("520 "):
                    pass
            return reply

    async def _line(self) -> str:
        raw = await self.reader.readuntil(b"\n")  # EOF: IncompleteReadError
        return raw[:-1].decode()

    async def set_var(self, name: str, value: str) -> None:
        await self.command(f'SET VARIABLE {name} "{value}"')

    async def get_var(self, name: str) -> str | None:
        r = await self.command(f"GET VARIABLE {name}")
        return r.get("result", ("0", ""))[1] or None if r.get("result", ("0",))[0] == "1" else None

    async def exec(self, app: str, args: str = "") -> dict[str, Any]:
        return await self.command(f'EXEC {app} "{args}"' if args else f"EXEC {app}")


Handler = Callable[[AgiSession], Awaitable[None]]


class FastAgiServer:
    """``permit``: the peers that may open sessions (addresses or networks;
    loopback by default: Asterisk runs on the engine's machine).  Every
    session's environment must come from our dialplan (``agi_env``)."""

    def __init__(
        self, routes: dict[str, Handler], host: str = "127.0.0.1", port: int = 4573,
        *, permit: Iterable[str] = LOOPBACK,
        contexts: Mapping[str, frozenset[str]] = DIALPLAN_CONTEXTS,
    ) -> None:
        self.routes = routes
        self.host, self.port = host, port
        self.permit = tuple(permit)
        self.contexts = contexts
        self.server: asyncio.base_events.Server | None = None
        self._sessions: set[asyncio.Task[Any]] = set()
        self._stopping = False

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = self.server.sockets[0].getsockname()[1]
        log.info("agi.listening", host=self.host, port=self.port)

    async def stop(self) -> None:
        """Stop accepting and end the sessions: each waiting caller's AGI
        returns, and the dialplan hands it to app_queue (nobody is dropped)."""
        self._stopping = True
        if self.server is not None:
            self.server.close()
        tasks = list(self._sessions)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=2)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        session: AgiSession | None = None
        if task is not None:
            self._sessions.add(task)
        try:
            peer = str((writer.get_extra_info("peername") or ("?",))[0])
            if not permitted(peer, self.permit):
                log.warning("agi.refused", reason="peer_not_permitted", peer=peer)
                return
            headers = await self._headers(reader, peer)
            if headers is None:
                return
            session = AgiSession(headers, reader, writer)
            bind_call(session.uniqueid, channel=session.channel)
            route = headers["agi_network_script"]
            handler = self.routes[route]  # check_env refused any other
            try:
                await handler(session)
            except CallHungUp:
                log.info("agi.hangup_mid_command")
            except Exception:
                log.exception("agi.handler_failed", route=route)
        except asyncio.CancelledError:
            # Only our own stop() ends a session quietly (the caller goes on in
            # the dialplan); any other cancellation propagates.
            if not self._stopping:
                raise
            log.info("agi.session_ended_by_shutdown")
        finally:
            if session is not None:
                session.close()
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            if task is not None:
                self._sessions.discard(task)

    async def _headers(self, reader: asyncio.StreamReader, peer: str) -> dict[str, str] | None:
        # One read for the whole environment block (it ends with a blank line).
        try:
            async with asyncio.timeout(5):
                block = await reader.readuntil(b"\n\n")
        except (
            TimeoutError,
            ConnectionError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
        ):
            log.warning("agi.bad_handshake", peer=peer)
            return None
        headers, refusal = parse_block(block)
        if refusal is None:
            refusal = check_env(headers, self.routes, self.contexts)
        if refusal is not None:
            # Not from our dialplan: the session ends here; a real call that
            # got here goes on to app_queue in the dialplan.
            log.warning("agi.refused", reason=refusal.reason, key=refusal.key, peer=peer,
                        script=headers.get("agi_network_script", "")[:40])
            return None
        return headers
