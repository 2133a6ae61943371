"""The HTTP part of ``kontakt demo`` and ``kontakt run`` in one call each.

``start_demo_http`` makes the users table, seeds the demo users with fresh
random passwords, starts the service and prints the address and the users.
``start_run_http`` refuses to start without an administrator.

Both run the web server without signal handlers of its own: uvicorn's
``serve()`` would take SIGINT and SIGTERM for itself (stopping only the web
server and raising the signal again when it ends), while the process's
owner (``kontakt demo``, ``kontakt run``) stops every part in order.
``stop()`` ends the live event streams first, so shutdown is quick and quiet.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

import uvicorn

from kontakt.http.context import HttpContext
from kontakt.http.serve import HttpService
from kontakt.http.users import require_admin, seed_demo_users

STOP_WITHIN = 4.0  # seconds: uvicorn's graceful shutdown is 2 s, plus the lifespan


class _NoSignalServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the process's owner handles SIGINT and SIGTERM


class QuietHttpService(HttpService):
    """The HTTP service, leaving signals to the process and bounded on stop."""

    def __init__(self, ctx: HttpContext, host: str, port: int) -> None:
        super().__init__(ctx, host, port)
        self.server = _NoSignalServer(self.server.config)

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(super().stop(), STOP_WITHIN)
        except TimeoutError:
            self.server.force_exit = True
            self.sock.close()


async def start_http(ctx: HttpContext, host: str = "127.0.0.1", port: int = 0) -> HttpService:
    return await QuietHttpService(ctx, host, port).start()


async def create_tables(sessionmaker: Any) -> None:
    """Every table through the Alembic revisions (users and call log are 0003)."""
    from kontakt.migrate import upgrade

    engine = sessionmaker.kw["bind"]
    await upgrade(engine.url.render_as_string(hide_password=False))


async def start_demo_http(ctx: HttpContext, port: int, *, host: str = "127.0.0.1",
                          out: TextIO | None = None) -> HttpService:
    out = out or sys.stdout
    await create_tables(ctx.sessionmaker)
    seeded = await seed_demo_users(ctx.sessionmaker, seats=ctx.settings.seats)
    svc = await start_http(ctx, host, port)
    print(f"kontakt demo: workstations at {svc.url}/  (wallboard {svc.url}/wallboard, "
          f"citizens {svc.url}/citizen)", file=out)
    print("kontakt demo: users (demo only; passwords are new at each start):", file=out)
    for username, password, role, where in seeded:
        print(f"  {username:<24} {password:<14} {role:<11} {where or ''}", file=out)
    out.flush()
    return svc


async def start_run_http(ctx: HttpContext) -> HttpService:
    from kontakt.cli import UserError as CliUserError
    from kontakt.http.users import UserError

    await create_tables(ctx.sessionmaker)
    try:
        await require_admin(ctx.sessionmaker)
    except UserError as e:  # one line for the user, never a traceback
        raise CliUserError(str(e)) from None
    return await start_http(ctx, ctx.settings.http_host, ctx.settings.http_port)
