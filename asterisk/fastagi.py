"""FastAGI server: one session object per AGI connection.

Own accept loop (panoramisk's ``Application.handler`` swallows every
exception, CancelledError included); commands go through panoramisk's
``Request`` and its AGI result parser.  A hang-up mid-command raises
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
from panoramisk.fast_agi import Request

from asterisk.agi_env import DIALPLAN_CONTEXTS, LOOPBACK, check_env, parse_block, permitted
from infra.logs import bind_call

log = structlog.get_logger()
_RESULT = re.compile(r"-?[0-9]*")  # result=1, result=-1, result=49 (a digit's code), result=


class CallHungUp(Exception):
    """The channel went away while the engine talked to it."""


class AgiSession:
    def __init__(self, request: Request) -> None:
        self.request = request
        self.headers: dict[str, str] = dict(request.headers)
        # A command Asterisk did not answer in time: its reply may still come
        # and would be read as the next command's, so nothing more is sent
        # (no "done" told to a slow Asterisk hangs the citizen up; the
        # dialplan goes on to app_queue when the session closes).
        self.stalled: str | None = None

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
        verb = line.split()[0] if line.split() else "?"
        if self.stalled is not None:
            raise CallHungUp(f"not sent: no reply to {self.stalled} earlier")
        try:
            async with asyncio.timeout(timeout):  # no extra task, unlike wait_for
                result: dict[str, Any] = await self.request.send_command(line)
        except (ConnectionError, asyncio.IncompleteReadError) as e:
            raise CallHungUp(str(e)) from None
        except TimeoutError:
            self.stalled = verb
            log.warning("agi.no_reply", command=verb, timeout=timeout)
            raise CallHungUp(f"no reply to {verb}") from None
        except ValueError:  # UnicodeDecodeError, readline's limit, int('') in the parser
            log.warning("agi.not_agi_reply", command=verb)
            raise CallHungUp(f"not an AGI reply to {verb}") from None
        if result.get("error") == "AGIResultHangup" or not result.get("status_code", 1):
            raise CallHungUp(line)
        if result.get("error") == "AGIAppError":  # result=-1: the caller may be gone
            return result  # as before: the next command tells (AGIResultHangup)
        value = result.get("result", ("", ""))[0]
        if result.get("status_code") != 200 or not _RESULT.fullmatch(str(value)):
            log.warning("agi.bad_reply", command=verb, status=result.get("status_code"))
            raise CallHungUp(f"bad reply to {verb}")
        if value == "-1" and verb != "EXEC":
            raise CallHungUp(line)
        return result

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
            session = AgiSession(Request(app=None, headers=headers, reader=reader, writer=writer))
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
