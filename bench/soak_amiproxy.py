"""A TCP proxy in front of Asterisk's AMI, as its own process so the soak's
busy event loop never delays the engine's AMI traffic.

    python -m bench.soak_amiproxy UPSTREAM_PORT

Prints ``port N`` once it listens, then ``connect T`` (wall time) for each
connection it accepts.  SIGUSR1 drops every live connection at once (both
sides), as a network blip would; the engine has to reconnect.  SIGTERM ends
it.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time


class Proxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.writers: set[asyncio.StreamWriter] = set()

    async def accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        print(f"connect {time.time():.3f}", flush=True)
        pair = {writer, up_w}
        self.writers |= pair
        try:
            await asyncio.gather(self.pipe(reader, up_w), self.pipe(up_r, writer))
        finally:
            self.writers -= pair
            for w in pair:
                w.close()

    @staticmethod
    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    def cut(self) -> None:
        n = 0
        for w in list(self.writers):
            if w.transport is not None:
                w.transport.abort()
                n += 1
        print(f"cut {time.time():.3f} {n // 2}", flush=True)


async def main(upstream_port: int) -> None:
    proxy = Proxy(upstream_port)
    server = await asyncio.start_server(proxy.accept, "127.0.0.1", 0)
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, proxy.cut)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    proxy.cut()
    server.close()
    with contextlib.suppress(Exception):
        await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
