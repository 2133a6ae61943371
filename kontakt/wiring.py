"""The object graph, built in one place: router (numbers, hours, IVR), the
event log (database + MQTT), tickets and HTTP, for `kontakt run` and
`kontakt demo`.  Parts whose packages are not there yet are left out."""

from __future__ import annotations

import contextlib
import importlib.util
from pathlib import Path
from typing import Any

from kontakt.db import Base, make_engine, make_sessionmaker
from kontakt.logs import get_logger
from kontakt.runtime import Router, queue_everything
from kontakt.settings import Settings

log = get_logger()


def _have(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def build_router(settings: Settings, at: str | None = None) -> Router:
    """The live router; ``at`` pins the clock (demo only)."""
    return queue_everything


class _Part:
    """Something started for the engine: summary() for the demo, stop()."""

    def __init__(self, stop: Any = None, summary: Any = None) -> None:
        self._stop, self._summary = stop, summary

    async def summary(self) -> dict[str, Any]:
        return await self._summary() if self._summary else {}

    async def stop(self) -> None:
        if self._stop:
            await self._stop()


async def open_database(settings: Settings) -> tuple[Any, Any]:
    engine = make_engine(settings.database_url)
    if _have("kontakt.migrate"):
        from kontakt.migrate import upgrade

        await upgrade(settings.database_url)
    import kontakt.eventlog  # noqa: F401  (registers its table)

    if _have("kontakt.http.users"):
        import kontakt.http.callstats
        import kontakt.http.users  # noqa: F401
    async with engine.begin() as conn:  # tables Alembic does not carry yet
        await conn.run_sync(Base.metadata.create_all)
    return engine, make_sessionmaker(engine)


async def _common(settings: Settings, engine: Any) -> tuple[list[_Part], Any, Any]:
    from kontakt.eventlog import EventLog

    db, sessionmaker = await open_database(settings)
    events = EventLog(sessionmaker, mqtt_host=settings.mqtt_host, mqtt_port=settings.mqtt_port)
    await events.start()
    engine.sink = events.record
    parts = [_Part(stop=events.stop), _Part(stop=db.dispose)]
    return parts, sessionmaker, events


def _http_context(settings: Settings, sessionmaker: Any, engine: Any) -> Any:
    from kontakt.http.context import HttpContext

    return HttpContext.from_settings(settings, sessionmaker, None, engine=engine)


async def start_extras(args: Any, settings: Settings, engine: Any, base: Path) -> list[Any]:
    """Demo: a private SQLite database, the event log, HTTP when asked for."""
    settings = settings.replace(database_url=f"sqlite+aiosqlite:///{base / 'kontakt.db'}")
    parts, sessionmaker, events = await _common(settings, engine)

    async def counts() -> dict[str, Any]:
        await events.flush()
        from sqlalchemy import func, select

        from kontakt.eventlog import CallEvent

        async with sessionmaker() as s:
            n = await s.scalar(select(func.count()).select_from(CallEvent))
        return {"events_logged": n}

    parts.insert(0, _Part(summary=counts))
    if getattr(args, "http_port", None) is not None and _have("kontakt.http.demo"):
        from kontakt.http.demo import start_demo_http

        import sys

        # With --json, stdout carries the one summary object only.
        svc = await start_demo_http(_http_context(settings, sessionmaker, engine), args.http_port,
                                    out=sys.stderr if args.json else sys.stdout)
        parts.insert(0, _Part(stop=svc.stop))
    return parts


async def start_services(settings: Settings, engine: Any) -> list[Any]:
    """`kontakt run`: database, event log, HTTP (refuses without an admin)."""
    parts, sessionmaker, _ = await _common(settings, engine)
    if settings.http and _have("kontakt.http.demo"):
        from kontakt.http.demo import start_run_http

        try:
            svc = await start_run_http(_http_context(settings, sessionmaker, engine))
        except Exception:
            for p in parts:
                with contextlib.suppress(Exception):
                    await p.stop()
            raise
        parts.insert(0, _Part(stop=svc.stop))
    return parts


async def reload_config(settings: Settings) -> dict[str, Any]:
    """SIGHUP / `kontakt config reload`: validate and swap the configuration."""
    return {"reloaded": False, "issues": ["no configuration holder wired"]}
