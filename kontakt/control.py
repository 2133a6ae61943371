"""A local control socket for the CLI (`kontakt agent ...`, `kontakt config
reload`): one JSON request per connection, one JSON answer.  The socket file
is created 0600, so only the service's own user (and root) can drive it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from acd.errors import AcdError

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class ControlServer:
    def __init__(self, path: str | Path, handler: Handler) -> None:
        self.path = Path(path)
        self.handler = handler
        self.server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            self.path.unlink()
        old = os.umask(0o177)
        try:
            self.server = await asyncio.start_unix_server(self._serve, str(self.path))
        finally:
            os.umask(old)

    async def stop(self) -> None:
        if self.server:
            self.server.close()
        if self.path.exists():
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 5)
            try:
                request = json.loads(line)
                if not isinstance(request, dict):
                    raise ValueError("not an object")
            except ValueError as e:
                answer: dict[str, Any] = {
                    "ok": False,
                    "error": "control.bad_request",
                    "message": str(e),
                }
            else:
                try:
                    answer = {"ok": True, **await self.handler(request)}
                except AcdError as e:
                    answer = {"ok": False, "error": e.code, "message": str(e), "details": e.details}
                except (KeyError, ValueError, TypeError) as e:
                    answer = {"ok": False, "error": "control.bad_request", "message": str(e)}
            writer.write((json.dumps(answer) + "\n").encode())
            await writer.drain()
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def call(path: str | Path, request: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
    reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(str(path)), timeout)
    writer.write((json.dumps(request) + "\n").encode())
    await writer.drain()
    line = await asyncio.wait_for(reader.readline(), timeout)
    writer.close()
    result: dict[str, Any] = json.loads(line)
    return result
