"""A real uvicorn serving the app on a free port, in its own thread and event
loop, for clients that are not asyncio (schemathesis, Playwright)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn


class ThreadedServer:
    def __init__(self, build: Callable[[], Awaitable[Any]],
                 teardown: Callable[[], Awaitable[None]] | None = None) -> None:
        self.build, self.teardown = build, teardown
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.app: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._server: uvicorn.Server | None = None
        self._thread = threading.Thread(target=self._run, name="http-test-server", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as e:  # surfaced to the test by start()
            self._error = e
            self._started.set()

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.app = await self.build()
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on",
                                timeout_graceful_shutdown=1,
                                proxy_headers=False, server_header=False)
        self._server = uvicorn.Server(config)
        serving = asyncio.create_task(self._server.serve(sockets=[self.sock]))
        while not self._server.started and not serving.done():  # noqa: ASYNC110 (uvicorn has no event)
            await asyncio.sleep(0.01)
        self._started.set()
        try:
            await serving
        finally:
            if self.teardown is not None:
                await self.teardown()

    def run_coro(self, coro: Awaitable[Any], timeout: float = 30) -> Any:
        """Run a coroutine on the server's loop (e.g. to publish or seed)."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    def start(self) -> ThreadedServer:
        self._thread.start()
        self._started.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        if self.app is not None and self.loop is not None:
            self.loop.call_soon_threadsafe(self.app.state.web.hub.close)
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(15)
        self.sock.close()
