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
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from panoramisk.fast_agi import Request

from infra.logs import bind_call

log = structlog.get_logger()


class CallHungUp(Exception):
    """The channel went away while the engine talked to it."""


class AgiSession:
    def __init__(self, request: Request) -> None:
        self.request = request
        self.headers: dict[str, str] = dict(request.headers)

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
        try:
            async with asyncio.timeout(timeout):  # no extra task, unlike wait_for
                result: dict[str, Any] = await self.request.send_command(line)
        except (ConnectionError, asyncio.IncompleteReadError) as e:
            raise CallHungUp(str(e)) from None
        if result.get("error") == "AGIResultHangup" or not result.get("status_code", 1):
            raise CallHungUp(line)
        if result.get("result", ("", ""))[0] == "-1" and line.split()[0] != "EXEC":
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
    def __init__(
        self, routes: dict[str, Handler], host: str = "127.0.0.1", port: int = 4573
    ) -> None:
        self.routes = routes
        self.host, self.port = host, port
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
            headers = await self._headers(reader)
            if headers is None:
                return
            session = AgiSession(Request(app=None, headers=headers, reader=reader, writer=writer))
            bind_call(session.uniqueid, channel=session.channel)
            route = headers.get("agi_network_script", "")
            handler = self.routes.get(route)
            if handler is None:
                log.warning("agi.unknown_route", route=route)
                return
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

    @staticmethod
    async def _headers(reader: asyncio.StreamReader) -> dict[str, str] | None:
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
            log.warning("agi.bad_handshake")
            return None
        headers: dict[str, str] = {}
        for raw in block.decode("utf-8", "replace").splitlines():
            key, sep, value = raw.partition(": ")
            if sep:
                headers[key] = value
        if "agi_network_script" not in headers:
            log.warning("agi.bad_handshake", got=list(headers)[:5])
            return None
        return headers
