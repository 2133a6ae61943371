"""A small HTTP/1.1 JSON client over asyncio streams, with kept-alive
connections, for the soak's operators and staff.

httpx costs the soak more CPU than the engine's own handling of the same
requests here (httpcore tries ``import sniffio`` on every request, and it is
not installed), and a soak that falls behind measures itself, not the
engine.  The engine's HTTP (uvicorn) always sends Content-Length for JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode


class HttpError(OSError):
    """The connection failed or the answer was not HTTP: retry."""


class _Stale(Exception):
    """A kept connection was closed by the server: nothing was processed."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class JsonClient:
    def __init__(self, host: str, port: int, *, timeout: float = 15.0, keep: int = 8) -> None:
        self.host, self.port, self.timeout, self.keep = host, port, timeout, keep
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def request(self, method: str, path: str, *, json_body: Any = None,
                      params: dict[str, Any] | None = None,
                      headers: dict[str, str] | None = None) -> Response:
        if json_body is None and method not in ("GET", "HEAD"):
            json_body = {}  # a state change is JSON (kontakt.http.door)
        body = b"" if json_body is None else json.dumps(json_body).encode()
        if params:
            path = f"{path}?{urlencode(params)}"
        # Same origin, as the workstations' browsers say (kontakt.http.door).
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                f"Origin: http://{self.host}:{self.port}",
                "Connection: keep-alive", f"Content-Length: {len(body)}"]
        if json_body is not None:
            head.append("Content-Type: application/json")
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        while self._idle:  # a kept connection the server closed meanwhile: the next one
            conn = self._idle.pop()
            try:
                return await self._send(conn, raw)
            except _Stale:
                continue
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
                raise HttpError(f"{method} {path}: {type(e).__name__} {e}") from None
        try:
            conn = await asyncio.wait_for(asyncio.open_connection(self.host, self.port),
                                          self.timeout)
            return await self._send(conn, raw)
        except (_Stale, OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
            raise HttpError(f"{method} {path}: {type(e).__name__} {e}") from None

    async def _send(self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                    raw: bytes) -> Response:
        try:
            resp, reusable = await asyncio.wait_for(self._exchange(conn, raw), self.timeout)
        except BaseException:
            conn[1].close()
            raise
        if reusable and len(self._idle) < self.keep:
            self._idle.append(conn)
        else:
            conn[1].close()
        return resp

    @staticmethod
    async def _exchange(conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], raw: bytes
                        ) -> tuple[Response, bool]:
        reader, writer = conn
        writer.write(raw)
        await writer.drain()
        status_line = await reader.readline()
        if not status_line:
            raise _Stale  # the server closed this kept connection before reading
        status = int(status_line.split()[1])
        length, keep = 0, True
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.lower() == "close":
                keep = False
            elif name == "transfer-encoding":
                raise ValueError("chunked answers are not expected from the API")
        return Response(status, await reader.readexactly(length) if length else b""), keep

    async def aclose(self) -> None:
        for _, writer in self._idle:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1)
        self._idle.clear()
