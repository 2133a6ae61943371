"""Run the HTTP service inside the caller's event loop (``kontakt run`` and
``kontakt demo``): ``svc = await start_http(ctx, host, port)``, then
``svc.url``, ``await svc.stop()``."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import uvicorn

from infra.logs import get_logger
from kontakt.http.app import create_app
from kontakt.http.context import HttpContext

log = get_logger("kontakt.http")


class HttpService:
    def __init__(self, ctx: HttpContext, host: str, port: int) -> None:
        self.ctx, self.host = ctx, host
        self.app = create_app(ctx)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))  # port 0: a free one
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        # X-Forwarded-* are believed only from settings.http_trusted_proxies
        # (kontakt/http/door.py), never by uvicorn on its own.
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on",
                                timeout_graceful_shutdown=2, access_log=False,
                                proxy_headers=False, server_header=False)
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> HttpService:
        self.task = asyncio.create_task(self.server.serve(sockets=[self.sock]))
        while not self.server.started:
            if self.task.done():
                self.task.result()  # raises what stopped it
            await asyncio.sleep(0.02)
        log.info("http.listening", url=self.url)
        return self

    async def stop(self) -> None:
        self.app.state.web.hub.close()  # live streams end, so shutdown need not wait
        self.server.should_exit = True
        if self.task is not None:
            await asyncio.wait_for(self.task, 10)
        self.sock.close()

    async def summary(self) -> dict[str, Any]:
        return {"http": self.url}


async def start_http(ctx: HttpContext, host: str = "127.0.0.1", port: int = 0) -> HttpService:
    return await HttpService(ctx, host, port).start()
