"""The one place that builds kontakt: `kontakt run`, `kontakt demo` and the
tests all call ``bootstrap``.  Every dependency is passed through a
constructor; the parts start in dependency order (database and migrations,
outbox, event log, tickets, notifications, the demo's extras, the engine
and only then its FastAGI listener, HTTP) and ``System.stop`` stops them in
reverse, each once, even if a later one failed to start."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from acd.distributor import Distributor
from asterisk.ami import Ami
from asterisk.queue_log import QueueLog
from infra.logs import get_logger
from kontakt.agent_store import AgentStore
from kontakt.calls.adapters import AmiPbx
from kontakt.calls.core import CallCore
from kontakt.calls.engine import Engine
from kontakt.calls.fastpath import FastPath
from kontakt.calls.ports import NoCallbacks, Subscriber
from kontakt.calls.publish import Publisher
from kontakt.calls.routes import Router
from kontakt.calls.voice import PromptVoice, StockVoice, Voice
from kontakt.calls.waiting import WaitingRoom
from kontakt.router import IvrRouter, WallClock, direct, ignore, ivr_clock, no_tickets
from kontakt.settings import Settings

log = get_logger()
Stop = Callable[[], Awaitable[Any]]


@dataclass(frozen=True)
class Options:
    router: Router | None = None  # default: from settings (ivr or direct)
    at: str | None = None  # the IVR's clock: None real time, "auto" the demo's, ISO
    wall_clock: WallClock | None = None  # or a clock of the test's own
    on_outcome: Callable[[Any], None] | None = None  # each IVR outcome (tests)
    agents: Sequence[str] | None = None  # default agent01..agentNN (seats)
    logins: Mapping[str, Sequence[str]] | None = None  # agent -> skills, logged in at start
    agent_store: Path | None = None  # `kontakt run`: logins survive a restart
    tickets: bool = True  # database, outbox, event log, tickets, notifications
    http: Literal["off", "run", "demo"] = "off"
    http_port: int | None = None  # demo
    http_out: TextIO | None = None  # where the demo prints its address and users
    subscribers: Sequence[Subscriber] = ()  # in-process taps on call/agent events
    extras: Sequence[Callable[[System], Awaitable[Stop]]] = ()  # started before the engine
    sla: Any = None  # tickets.sla.SlaPolicy instead of the configuration's (the demo's day)
    clock: Callable[[], float] = time.time


@dataclass
class System:
    settings: Settings
    ami: Ami
    publisher: Publisher
    holder: Any = None  # dialplan.holder.ConfigHolder, when routed by the IVR
    prompts: Any = None  # ivr.prompts.PromptLibrary
    sessionmaker: Any = None
    tickets: Any = None  # tickets.service.TicketService
    events: Any = None  # kontakt.eventlog.EventLog
    outbox: Any = None  # kontakt.outbox.OutboxPublisher
    chats: Any = None  # kontakt.chat.service.ConversationService (with tickets)
    channels: Any = None  # kontakt.channels.wiring.Channels (SMS, e-mail)
    overdue: Any = None  # kontakt.overdue.OverdueWatch
    engine: Engine = field(init=False)
    http: Any = None
    _stops: list[tuple[str, Stop]] = field(default_factory=list)

    def on_stop(self, name: str, stop: Stop) -> None:
        self._stops.append((name, stop))

    async def stop(self) -> None:
        while self._stops:
            name, stop = self._stops.pop()
            try:
                await stop()
            except Exception:  # stop the rest whatever one part did
                log.exception("system.stop_failed", part=name)
        log.info("system.stopped")

    async def reload(self) -> dict[str, Any]:
        """SIGHUP / `kontakt config reload`: validate and swap; a bad file changes nothing."""
        if self.holder is None:
            return {"reloaded": False,
                    "issues": ["this engine runs without a configuration (router = direct)"]}
        issues = await asyncio.to_thread(self.holder.reload)
        if issues:
            log.warning("config.reload_refused", issues=[str(i) for i in issues])
            return {"reloaded": False, "issues": [str(i) for i in issues]}
        from ivr.prompts import build

        await asyncio.to_thread(build, self.holder.current, self.prompts.root)
        version = getattr(self.holder, "version", None)
        log.info("config.reloaded", version=version)
        return {"reloaded": True, "issues": [], "version": version}


async def bootstrap(settings: Settings, ami: Ami, options: Options = Options()) -> System:
    system = System(settings, ami, Publisher(settings.mqtt_prefix))
    try:
        if options.tickets:
            await _start_tickets(system, options)
        router, voice = _router(system, options)
        router = _recording(system, router)
        for subscriber in options.subscribers:
            system.publisher.subscribe(subscriber)
        system.engine = _engine(system, router, voice, options)
        await _agents(system, options)
        if system.chats is not None:
            await system.chats.start()
            system.on_stop("conversations", system.chats.stop)
            await _start_channels(system)
        for extra in options.extras:
            system.on_stop("extra", await extra(system))
        await _start_engine(system)
        if options.http != "off":
            await _start_http(system, options)
    except BaseException:
        await system.stop()
        raise
    return system


async def _start_tickets(system: System, options: Options) -> None:
    from infra.db import make_engine, make_sessionmaker
    from kontakt.eventlog import EventLog
    from kontakt.migrate import upgrade
    from kontakt.outbox import OutboxPublisher
    from tickets.notify.wiring import notify_on, worker_from_settings
    from tickets.service import TicketService
    from tickets.transfer_ami import AmiCallControl

    s = system.settings
    await upgrade(s.database_url)
    db = make_engine(s.database_url)
    system.on_stop("database", db.dispose)
    system.sessionmaker = sm = make_sessionmaker(db)
    system.outbox = OutboxPublisher(sm, s.mqtt_host, s.mqtt_port, s.mqtt_prefix)
    await system.outbox.start()
    system.on_stop("outbox", system.outbox.stop)
    system.events = EventLog(sm, outbox=system.outbox)
    await system.events.start()
    system.on_stop("event log", system.events.stop)
    system.publisher.subscribe(system.events.record)
    from dialplan.holder import ConfigHolder

    if s.router == "ivr":
        system.holder = ConfigHolder(s.config)
    departments = system.holder.current.departments if system.holder else None
    system.tickets = TicketService(sm, departments, call_control=AmiCallControl(system.ami),
                                   notify_on=notify_on(s), on_commit=system.outbox.notify,
                                   sla=options.sla or _deadline_policy(system),
                                   escalate_to=s.escalation_email)
    worker = worker_from_settings(s, sm)
    halt = asyncio.Event()
    task = asyncio.create_task(worker.run(halt))

    async def stop_notifications() -> None:
        halt.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)
        task.cancel()

    system.on_stop("notifications", stop_notifications)
    if s.overdue_every > 0:
        from kontakt.overdue import OverdueWatch

        system.overdue = OverdueWatch(system.tickets, s.overdue_every)
        system.overdue.start()
        system.on_stop("overdue", system.overdue.stop)


def _deadline_policy(system: System) -> Any:
    """Deadlines and working hours from the configuration in force."""
    from dialplan.loader import load_config
    from kontakt.overdue import policy_for

    if system.holder is not None:
        holder = system.holder
        return policy_for(lambda: holder.current)
    config = load_config(system.settings.config or None)
    return policy_for(lambda: config)


def _router(system: System, options: Options) -> tuple[Router, Voice]:
    if options.router is not None:
        return options.router, StockVoice()
    s = system.settings
    if s.router == "direct":
        return direct, StockVoice()
    from dialplan.holder import ConfigHolder
    from ivr.prompts import PromptLibrary, build

    system.holder = system.holder or ConfigHolder(s.config)
    config = system.holder.current
    prompts_dir = Path(s.prompts_dir).resolve()
    report = build(config, prompts_dir)
    log.info("prompts.ready", dir=str(prompts_dir), made=len(report.made))
    system.prompts = PromptLibrary(prompts_dir)
    lookup = _status_lookup(system.tickets) if system.tickets is not None else no_tickets
    router = IvrRouter(system.holder, system.prompts,
                       options.wall_clock or ivr_clock(options.at, config),
                       ticket_status=lookup, on_outcome=options.on_outcome or ignore)
    voice = PromptVoice(system.prompts, tuple(lang.code for lang in config.languages),
                        config.default_language)
    return router, voice


def _recording(system: System, router: Router) -> Router:
    """Setting ``recording``: the notice in the caller's language, then MixMonitor."""
    s = system.settings
    if not s.recording or system.sessionmaker is None:
        return router
    from ivr.prompts import PromptLibrary
    from kontakt.recordings import NOTICE, Recorder

    folder = Path(s.recordings_dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    lib = system.prompts or PromptLibrary(Path(s.prompts_dir))

    def notice(language: str) -> str | None:
        for lang in (language, "sr"):
            path = lib.path(NOTICE, lang)
            if Path(path + ".wav").exists() or Path(path + ".gsm").exists():
                return path
        return None

    return Recorder(system.sessionmaker, folder, notice).wrap(router)


def _engine(system: System, router: Router, voice: Voice, options: Options) -> Engine:
    s = system.settings
    acd = Distributor(wrapup=s.wrapup, strategy=s.strategy)
    for agent in options.agents or [f"agent{i:02d}" for i in range(1, s.seats + 1)]:
        acd.add_agent(agent)
    pbx = AmiPbx(system.ami)
    hooks = []
    if options.agent_store is not None:
        store = AgentStore(options.agent_store, acd)
        hooks.append(store.changed)
    callbacks = _callback_tickets(system.tickets) if system.tickets is not None \
        else NoCallbacks()
    if system.sessionmaker is not None:
        system.chats = _conversations(system, acd, options)
        hooks.append(system.chats.on_agents_changed)
    core = CallCore(acd, pbx=pbx, publisher=system.publisher, queue_log=QueueLog(s.queue_log),
                    callbacks=callbacks, fast=FastPath(acd, pbx, enabled=s.fast_path),
                    ring_timeout=s.ring_timeout, clock=options.clock, on_agents_changed=hooks)
    if system.chats is not None:
        system.chats.run_voice = core.run
    waiting = WaitingRoom(core, voice, announce_every=s.announce_every, max_wait=s.max_wait)
    return Engine(s, core, router=router, waiting=waiting)


def _conversations(system: System, acd: Distributor, options: Options) -> Any:
    """Text conversations in the same ACD: the blender beside the distributor."""
    from acd.blend import Blender, parse_capacity
    from kontakt.chat.service import ConversationService, Limits
    from kontakt.chat.store import ConversationStore

    s = system.settings
    blender = Blender(acd, parse_capacity(s.capacity),
                      call_at_text_capacity=s.call_at_text_capacity,
                      text_during_call=s.text_during_call)
    store = ConversationStore(system.sessionmaker, on_commit=system.outbox.notify)
    return ConversationService(
        store, blender, clock=options.clock, run_voice=lambda commands: None,
        tickets=system.tickets,
        limits=Limits(s.chat_max_length, s.chat_wait_fallback, s.chat_citizen_timeout))


async def _start_channels(system: System) -> None:
    """SMS (Kannel) and e-mail (SMTP) in and out, into the conversations."""
    from kontakt.channels.wiring import start_channels

    departments = system.holder.current.departments if system.holder else ()
    system.channels = await start_channels(system.settings, system.sessionmaker,
                                           system.tickets, system.chats, departments)
    system.on_stop("channels", system.channels.stop)


async def _agents(system: System, options: Options) -> None:
    engine = system.engine
    if options.agent_store is not None:
        await AgentStore(options.agent_store, engine.acd).restore(engine)
    for agent, skills in (options.logins or {}).items():
        await engine.agent_login(agent, list(skills))


async def _start_engine(system: System) -> None:
    engine, ami = system.engine, system.ami

    async def stop() -> None:
        with contextlib.suppress(ValueError):
            ami.listeners.remove(engine.on_ami)
        with contextlib.suppress(ValueError):
            ami.on_booted.remove(engine.reconcile)
        await engine.stop()

    ami.listeners.append(engine.on_ami)
    ami.on_booted.append(engine.reconcile)
    system.on_stop("engine", stop)
    await engine.start()  # the FastAGI listener opens last
    await engine.reconcile()


def _supervise(system: System) -> Any:
    from kontakt.supervise import Supervise

    return Supervise(system.ami, system.engine, dict(system.settings.supervisor_phones))


async def _start_http(system: System, options: Options) -> None:
    from kontakt.health import readiness_for
    from kontakt.http.context import HttpContext
    from kontakt.http.demo import start_demo_http, start_run_http

    ctx = HttpContext.from_settings(system.settings, system.sessionmaker, system.tickets,
                                    engine=system.engine, config_holder=system.holder,
                                    chats=system.chats,
                                    readiness=readiness_for(system),
                                    supervise=_supervise(system))
    if options.http == "demo":
        system.http = await start_demo_http(ctx, options.http_port or 0,
                                            out=options.http_out or sys.stdout)
    else:
        system.http = await start_run_http(ctx)
    system.on_stop("http", system.http.stop)


SYSTEM_ACTOR = ("engine", "admin")  # the actor of what the engine does by itself


def _status_lookup(tickets: Any) -> Callable[[str], Awaitable[str | None]]:
    from tickets.domain import Actor

    actor = Actor(*SYSTEM_ACTOR)

    async def lookup(number: str) -> str | None:
        try:
            ticket = await tickets.get(actor, number)
        except Exception:  # not found, or any store trouble: "no such request"
            return None
        return str(ticket.get("status"))

    return lookup


def _callback_tickets(tickets: Any) -> Any:
    """A callback request becomes a ticket of kind callback, first in the morning."""
    from tickets.domain import Actor

    actor = Actor(*SYSTEM_ACTOR)

    async def record(uid: str, caller: str, language: str) -> None:
        try:
            t = await tickets.open_ticket(
                actor, kind="callback", subject="Позив назад / callback request",
                description="The citizen asked to be called back instead of waiting.",
                phone=caller, language=language, call={"uniqueid": uid})
            log.info("callback.ticket_opened", ticket=t.get("number"), caller=caller)
        except Exception:
            log.exception("callback.ticket_failed", caller=caller)

    return record
