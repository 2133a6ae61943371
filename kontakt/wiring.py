"""The object graph, built in one place for `kontakt run` and `kontakt demo`:
router (numbers, hours, IVR), database, event log and outbox to MQTT,
tickets with transfer over AMI, citizen notifications, HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kontakt.db import make_engine, make_sessionmaker
from kontakt.logs import get_logger
from kontakt.runtime import Engine, Router, Routing, queue_everything
from kontakt.settings import Settings

log = get_logger()
SYSTEM = ("engine", "admin")  # the actor of what the engine does by itself


# -- clock ----------------------------------------------------------------------
def parse_at(at: str | None, tz: str = "Europe/Belgrade") -> datetime | None:
    """--at: ISO time; without an offset it is Belgrade local time."""
    if not at:
        return None
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        from kontakt.cli import UserError

        raise UserError(f"--at {at!r} is not an ISO time (e.g. 2027-03-02T10:00)") from None
    return when if when.tzinfo else when.replace(tzinfo=ZoneInfo(tz))


def next_working_day_at_ten(config: Any) -> datetime:
    """The demo's default clock: the next open working day at 10:00 local."""
    from dialplan.calendar import check

    tz = ZoneInfo(config.timezone)
    day = datetime.now(tz).replace(hour=10, minute=0, second=0, microsecond=0)
    for _ in range(30):
        if check(config.hours, day, config.timezone).open:
            return day
        day += timedelta(days=1)
    return day


def moving_clock(start: datetime | None) -> Any:
    """Real time, or a clock that starts at ``start`` and runs at real speed."""
    if start is None:
        return lambda: datetime.now(UTC)
    t0 = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - t0)


# -- router ------------------------------------------------------------------------
@dataclass
class IvrRouter:
    """Numbers, hours and the menus, run over the call's own FastAGI session."""

    holder: Any
    prompts: Any
    clock: Any
    ticket_status: Any = None
    on_outcome: Any = None  # a tap for tests and monitoring: each IvrOutcome

    async def __call__(self, agi: Any) -> Routing:
        from ivr.agi import run_ivr

        config = self.holder.current  # the call keeps the configuration it started with
        out = await run_ivr(
            agi,
            config,
            caller=agi.caller,
            dialled=agi.dialled,
            at=self.clock(),
            prompts=self.prompts,
            ticket_status=self.ticket_status,
        )
        if self.on_outcome is not None:
            self.on_outcome(out)
        kind = {
            "operator": "queue",
            "rejected": "reject",
            "closed": "closed",
            "callback": "callback",
            "hung_up": "done",
        }[out.kind]
        return Routing(
            kind,
            out.language or config.default_language,
            out.reason,
            data={
                "caller": out.caller,
                "menu_path": list(out.menu_path),
                "skills": list(out.skills),
            },
        )


def build_router(settings: Settings, at: str | None = None, holder: Any = None) -> Router:
    if settings.router == "direct":
        return queue_everything
    from dialplan.holder import ConfigHolder
    from ivr.prompts import PromptLibrary, build

    holder = holder or ConfigHolder(settings.config)
    prompts_dir = Path(settings.prompts_dir).resolve()
    report = build(holder.current, prompts_dir)
    log.info("prompts.ready", dir=str(prompts_dir), report=str(report)[:200])
    if at == "auto":  # the demo: a working day at 10:00, whatever the real hour
        start: datetime | None = next_working_day_at_ten(holder.current)
    else:
        start = parse_at(at, holder.current.timezone) if at else None
    return IvrRouter(holder, PromptLibrary(prompts_dir), moving_clock(start))


# -- the running parts ----------------------------------------------------------------
@dataclass
class Parts:
    """What `run` and `demo` start besides the engine; ``stop()`` ends all."""

    sessionmaker: Any = None
    tickets: Any = None
    holder: Any = None
    events: Any = None
    stoppers: list[Any] = field(default_factory=list)
    summaries: list[Any] = field(default_factory=list)

    async def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for s in self.summaries:
            out.update(await s())
        return out

    async def stop(self) -> None:
        for stop in reversed(self.stoppers):
            with contextlib.suppress(Exception):
                await stop()


async def open_database(settings: Settings) -> tuple[Any, Any]:
    from kontakt.migrate import upgrade

    await upgrade(settings.database_url)
    db = make_engine(settings.database_url)
    return db, make_sessionmaker(db)


async def start_parts(settings: Settings, engine: Engine, router: Any) -> Parts:
    from kontakt.eventlog import EventLog
    from kontakt.outbox import OutboxPublisher
    from tickets.service import TicketService
    from tickets.transfer_ami import AmiCallControl

    parts = Parts()
    try:
        db, parts.sessionmaker = await open_database(settings)
        parts.stoppers.append(db.dispose)
        publisher = OutboxPublisher(
            parts.sessionmaker, settings.mqtt_host, settings.mqtt_port, settings.mqtt_prefix
        )
        await publisher.start()
        parts.stoppers.append(publisher.stop)
        parts.events = EventLog(parts.sessionmaker, on_commit=publisher.notify)
        await parts.events.start()
        parts.stoppers.append(parts.events.stop)
        engine.sink = parts.events.record
        parts.holder = getattr(router, "holder", None)
        departments = parts.holder.current.departments if parts.holder else None
        from tickets.notify.wiring import notify_on

        parts.tickets = TicketService(parts.sessionmaker, departments,
                                      call_control=AmiCallControl(engine.ami),
                                      notify_on=notify_on(settings),
                                      on_commit=publisher.notify)
        if isinstance(router, IvrRouter):
            router.ticket_status = _status_lookup(parts.tickets)
        engine.on_callback = _callback_ticket(parts.tickets, engine)
        await _start_notifications(settings, parts)
    except BaseException:
        await parts.stop()
        raise
    return parts


def _status_lookup(tickets: Any) -> Any:
    from tickets.domain import Actor

    actor = Actor(*SYSTEM)

    async def lookup(number: str) -> str | None:
        try:
            ticket = await tickets.get(actor, number)
        except Exception:  # not found, or any store trouble: "no such request"
            return None
        return str(ticket.get("status"))

    return lookup


def _callback_ticket(tickets: Any, engine: Engine) -> Any:
    """A callback request becomes a ticket of kind callback, first in the morning."""
    from tickets.domain import Actor

    actor = Actor(*SYSTEM)

    async def record(uniqueid: str, caller: str) -> None:
        call = engine.acd.calls.get(uniqueid)
        try:
            t = await tickets.open_ticket(
                actor,
                kind="callback",
                subject="Позив назад / callback request",
                description="The citizen asked to be called back instead of waiting.",
                phone=caller,
                language=call.language if call else "sr",
                call={"uniqueid": uniqueid},
            )
            log.info("callback.ticket_opened", ticket=t.get("number"), caller=caller)
        except Exception:
            log.exception("callback.ticket_failed", caller=caller)

    return record


async def _start_notifications(settings: Settings, parts: Parts) -> None:
    from tickets.notify.wiring import worker_from_settings

    worker = worker_from_settings(settings, parts.sessionmaker)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))

    async def halt() -> None:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)
        task.cancel()

    parts.stoppers.append(halt)


def _http_context(settings: Settings, parts: Parts, engine: Engine) -> Any:
    from kontakt.http.context import HttpContext

    return HttpContext.from_settings(
        settings, parts.sessionmaker, parts.tickets, engine=engine, config_holder=parts.holder
    )


async def start_extras(
    args: Any, settings: Settings, engine: Engine, base: Path, router: Any = None
) -> list[Any]:
    """Demo: a private SQLite database, event log, tickets worked by simulated
    operators and department staff, a local mail server for the citizens'
    notifications, HTTP when asked for."""
    import random

    from kontakt.demo_desk import DemoDesk, MailSink

    settings = settings.replace(database_url=f"sqlite+aiosqlite:///{base / 'kontakt.db'}")
    mail = MailSink()
    if mail.start():
        settings = settings.replace(
            smtp_host="127.0.0.1", smtp_port=mail.port, smtp_from="kontakt-centar@novisad.example"
        )
    parts = await start_parts(settings, engine, router)
    parts.stoppers.insert(0, _sync(mail.stop))
    departments = [d.id for d in (parts.holder.current.departments if parts.holder else ())] or [
        "vodovod",
        "cistoca",
        "zelenilo",
    ]
    desk = DemoDesk(
        parts.tickets, engine, departments, rng=random.Random(getattr(args, "seed", 21))
    )
    desk.start()
    parts.stoppers.append(desk.stop)
    parts.summaries.append(_counts(parts))
    parts.summaries.append(_ticket_counts(parts, desk))
    if getattr(args, "http_port", None) is not None:
        from kontakt.http.demo import start_demo_http

        # With --json, stdout carries the one summary object only.
        svc = await start_demo_http(
            _http_context(settings, parts, engine),
            args.http_port,
            out=sys.stderr if args.json else sys.stdout,
        )
        parts.stoppers.append(svc.stop)
    return [parts]


def _sync(fn: Any) -> Any:
    async def call() -> None:
        fn()

    return call


def _ticket_counts(parts: Parts, desk: Any) -> Any:
    """Read back from the database, not counted in memory."""

    async def counts() -> dict[str, Any]:
        from sqlalchemy import func, select

        from tickets.notify.jobs import Notification

        await desk.settle()
        for _ in range(40):  # let the notification worker send what is due
            async with parts.sessionmaker() as s:
                pending = await s.scalar(
                    select(func.count())
                    .select_from(Notification)
                    .where(Notification.status == "pending", Notification.channel == "email")
                )
            if not pending:
                break
            await asyncio.sleep(0.25)
        totals = await parts.tickets.totals()
        async with parts.sessionmaker() as s:
            sent = await s.scalar(
                select(func.count()).select_from(Notification).where(Notification.status == "sent")
            )
        return {
            "tickets_opened": totals.get("opened", 0),
            "tickets_transferred": totals.get("transferred", 0),
            "tickets_resolved": totals.get("resolved", 0),
            "notifications_sent": int(sent or 0),
        }

    return counts


def _counts(parts: Parts) -> Any:
    async def counts() -> dict[str, Any]:
        from sqlalchemy import func, select

        from kontakt.eventlog import CallEvent

        await parts.events.flush()
        async with parts.sessionmaker() as s:
            n = await s.scalar(select(func.count()).select_from(CallEvent))
        return {"events_logged": int(n or 0)}

    return counts


async def start_services(settings: Settings, engine: Engine, router: Any = None) -> list[Any]:
    """`kontakt run`: database, event log, tickets, notifications, HTTP (needs an admin)."""
    parts = await start_parts(settings, engine, router)
    if settings.http:
        from kontakt.http.demo import start_run_http

        try:
            svc = await start_run_http(_http_context(settings, parts, engine))
        except BaseException:
            await parts.stop()
            raise
        parts.stoppers.append(svc.stop)
    return [parts]


async def reload_config(settings: Settings, router: Any = None) -> dict[str, Any]:
    """SIGHUP / `kontakt config reload`: validate and swap; a bad file changes nothing."""
    holder = getattr(router, "holder", None)
    if holder is None:
        return {
            "reloaded": False,
            "issues": ["this engine runs without a configuration (router = direct)"],
        }
    issues = await asyncio.to_thread(holder.reload)
    if issues:
        log.warning("config.reload_refused", issues=[str(i) for i in issues])
        return {"reloaded": False, "issues": [str(i) for i in issues]}
    from ivr.prompts import build

    await asyncio.to_thread(build, holder.current, router.prompts.root)
    log.info("config.reloaded", version=getattr(holder, "version", None))
    return {"reloaded": True, "issues": [], "version": getattr(holder, "version", None)}
