"""`kontakt demo`: a private Asterisk, the engine, answering agent phones and
simulated citizens, on this machine, whatever the hour (the demo's clock).

Every figure of the summary is read from AMI (asterisk.ledger), not from the
engine's own bookkeeping.

Without ``--calls`` it places a batch of citizens every ten seconds until
``stop`` is set (SIGINT or SIGTERM, kontakt.commands.demo); each batch gives
its ports, process and files back when it ends (asterisk.rig), so it runs
for hours.  On stop, the call figures are taken at once (calls cut short
count as ``in_progress``), Asterisk and every sipp are stopped first, then
the rest, each step bounded, so the summary is printed within seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asterisk.ledger import Ledger
from asterisk.ports import PortBlockError
from asterisk.rig import CITY_NUMBER, FREE_NUMBER, PhoneBehaviour, Rig
from infra.logs import configure, get_logger
from kontakt.bootstrap import Options, bootstrap
from kontakt.chat.demo import ChatDemo
from kontakt.demo_channels import ChannelCitizens
from kontakt.demo_parts import DEMO_OVERDUE_EVERY, Desk, demo_sla, with_mail
from kontakt.settings import Settings

log = get_logger()

BATCH_EVERY = 10.0  # seconds between two batches of citizens in the endless demo
# After a signal, seconds each step may take at most: Asterisk's SIGTERM (then
# SIGKILL: with calls up it never makes it in time), the summary (from the
# stop), stopping the other parts.  The command ends the process 9.7 s after
# the signal whatever is left (kontakt.commands.demo).
STOP_RIG, STOP_SUMMARY, STOP_PARTS = 0.2, 5.0, 2.0


# Key presses after the IVR answers, 6 s apart: the language (during the
# language prompts, after the welcome), then "1" for an operator (during the
# main menu).
LANGUAGE_KEYS = {"sr": "11", "hu": "21", "sk": "31"}


def transferring(agents: int) -> frozenset[str]:
    """The seats whose operators transfer their citizens to the department
    (every third): about the share of calls a department takes over."""
    return frozenset(f"agent{i:02d}" for i in range(3, agents + 1, 3))


DEMO_SKILLS = {
    **{f"agent{i:02d}": ["sr"] for i in range(1, 15)},
    **{f"agent{i:02d}": ["sr", "hu"] for i in range(15, 18)},
    **{f"agent{i:02d}": ["sr", "sk"] for i in range(18, 21)},
}


def citizen_calls(n: int, rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    """A realistic mix, grouped by the keys the citizens press: most from 021
    landlines, some from mobiles and other areas (a few of them wrongly on
    the free number, which takes only area 021), in Serbian, Hungarian and
    Slovak."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for _ in range(n):
        r = rng.random()
        if r < 0.6:
            call = (f"021{rng.randrange(4000000, 6999999)}", rng.choice([FREE_NUMBER, CITY_NUMBER]))
        elif r < 0.85:
            call = (f"06{rng.randrange(0, 6)}{rng.randrange(1000000, 9999999)}", CITY_NUMBER)
        elif r < 0.93:
            call = (f"011{rng.randrange(2000000, 3999999)}", CITY_NUMBER)
        else:
            call = (f"06{rng.randrange(0, 6)}{rng.randrange(1000000, 9999999)}", FREE_NUMBER)
        lang = rng.choices(["sr", "hu", "sk"], weights=[80, 12, 8])[0]
        groups.setdefault(LANGUAGE_KEYS[lang], []).append(call)
    return groups


async def place_calls(
    rig: Rig, n: int, rng: random.Random, rate: float, patience: float, direct: bool
) -> list[Any]:
    procs = []
    for keys, calls in citizen_calls(n, rng).items():
        share = rate * len(calls) / n
        procs.append(
            await rig.call(
                calls,
                rate=max(0.1, share),
                patience_ms=int(patience * 1000),
                dtmf="" if direct else keys,
                dtmf_delay_ms=6000,
            )
        )
    return procs


@dataclass
class Stopping:
    """How a running demo is stopped from outside: ``requested`` is set (on
    a signal); ``figures`` are the call figures taken at that moment, for
    the command to print should the orderly stop run out of time."""

    requested: asyncio.Event = field(default_factory=asyncio.Event)
    figures: dict[str, Any] | None = None


async def run_demo(
    args: Any, settings: Settings, stopping: Stopping | None = None
) -> dict[str, Any]:
    stopping = stopping or Stopping()
    stop = stopping.requested
    base = Path(tempfile.mkdtemp(prefix="kontakt-demo-"))
    logfile = open(base / "engine.log", "w")  # noqa: SIM115, ASYNC230 (once, at start)
    configure(settings.log_level, json=True, stream=logfile)
    rng = random.Random(args.seed)
    rig = Rig(
        base,
        agents=args.agents,
        ring_timeout=int(settings.ring_timeout),
        default_phone=PhoneBehaviour(talk_ms=int(args.talk * 1000)),
        # The operators who transfer keep the citizen on the line until the
        # transfer is done (a phone that hangs up first would leave nobody to
        # transfer on a busy machine).
        phones={a: PhoneBehaviour(talk_ms=int(max(4 * args.talk, 20.0) * 1000))
                for a in transferring(args.agents)},
        city_talk_ms=int(max(1.0, args.talk) * 1000),
    )
    ledger = Ledger()
    system = None
    engine_ami = None
    mail = None
    # Citizens who write SMS (through a private Kannel) and e-mail: one of each
    # for every ten calls, over the calls' arrival time.
    texts = ChannelCitizens(base, getattr(args, "seed", 21),
                            max(2, args.calls // 10) if args.calls else None,
                            spread=args.calls / args.rate if args.calls else 15.0)
    try:
        direct = settings.router == "direct"
        ami = await rig.start()
        ami.listeners.append(ledger.feed)
        esettings = rig.engine_settings(settings).replace(queue_log=str(base / "queue_log"))
        if settings.prompts_dir == "prompts":  # the default: keep built prompts between demos
            esettings = esettings.replace(
                prompts_dir=str(Path.home() / ".cache" / "kontakt" / "prompts")
            )
        esettings = esettings.replace(database_url=f"sqlite+aiosqlite:///{base / 'kontakt.db'}")
        esettings, mail = with_mail(esettings)
        esettings = esettings.replace(overdue_every=DEMO_OVERDUE_EVERY)
        esettings = await texts.prepare(esettings)
        from kontakt.service import connect_ami

        # The engine logs in as production does (its own, filtered AMI user);
        # the rig's connection sees every event for the ledger.
        engine_ami = await connect_ami(esettings)
        desk = Desk(getattr(args, "seed", 21), transferring(args.agents))
        # Citizens who chat: one for every five calls, over the calls' arrival time.
        chat_demo = ChatDemo(getattr(args, "seed", 21), max(2, args.calls // 5) if args.calls
                             else None, spread=args.calls / args.rate if args.calls else 15.0)
        system = await bootstrap(esettings, engine_ami, Options(
            at=args.at or "auto",
            logins={a: DEMO_SKILLS.get(a, ["sr"]) for a in
                    (f"agent{i:02d}" for i in range(1, esettings.seats + 1))},
            extras=(desk, chat_demo, texts),
            sla=demo_sla(esettings),  # the compressed day's deadlines
            http="demo" if getattr(args, "http_port", None) is not None else "off",
            http_port=getattr(args, "http_port", None),
            # With --json, stdout carries the one summary object only.
            http_out=sys.stderr if args.json else sys.stdout,
        ))
        if not args.json:
            print(
                f"kontakt demo: Asterisk SIP 127.0.0.1:{rig.sip_port}, {args.agents} agents, "
                f"logs in {base}",
                flush=True,
            )
        if args.calls:
            procs = await place_calls(rig, args.calls, rng, args.rate, args.patience, direct)
            deadline = (
                time.monotonic()
                + args.calls / args.rate
                + args.talk * (args.calls / max(1, args.agents) + 2)
                + 120
            )
            while time.monotonic() < deadline and not await _stopped(stop, 0.5):
                if ledger.offered >= args.calls and ledger.in_progress == 0:
                    break
                if not args.json:
                    _status(ledger)
            if stop.is_set():
                return {**await _stop_summary(rig, ledger, system, stopping), "calls": args.calls}
            for proc in procs:
                with contextlib.suppress(TimeoutError):
                    await proc.wait(5)
            summary: dict[str, Any] = dict(ledger.summary())
            summary["calls"] = args.calls
            summary.update(await chat_demo.summary())  # its tickets are then settled too
            summary.update(await texts.summary())
            summary.update(await desk.summary())
            return summary
        await _trickle(rig, ledger, rng, args, direct, stop)
        return await _stop_summary(rig, ledger, system, stopping)
    finally:
        # The rig first: no child outlives the demo, whatever follows.
        await rig.stop(timeout=STOP_RIG)
        stops = [system.stop] if system is not None else []
        if engine_ami is not None:
            stops.append(_sync(engine_ami.close))
        if mail is not None:
            stops.append(_sync(mail.stop))
        await _stop_parts(stops, bounded=stop.is_set())
        texts.stop_kannel()
        logfile.close()


async def _stopped(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep ``seconds`` unless stopped first; True when stopped."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


async def _trickle(
    rig: Rig, ledger: Ledger, rng: random.Random, args: Any, direct: bool, stop: asyncio.Event
) -> None:
    """Until stopped: a batch of citizens every BATCH_EVERY seconds.  When
    the batches still running hold every port the rig can lend (agents
    overwhelmed), this round is skipped, not the demo ended."""
    while not stop.is_set():
        try:
            await place_calls(
                rig, max(1, int(args.rate * BATCH_EVERY)), rng, args.rate, args.patience, direct
            )
        except PortBlockError as e:
            log.warning("demo.batch_skipped", code=e.code, **e.details)
        for _ in range(int(BATCH_EVERY / 0.5)):
            if await _stopped(stop, 0.5):
                return
            if not args.json:  # stdout then carries the one summary object only
                _status(ledger)


async def _stop_summary(
    rig: Rig, ledger: Ledger, system: Any, stopping: Stopping
) -> dict[str, Any]:
    """The call figures as they are now, and the tickets as they stand,
    read while the rig stops, within STOP_SUMMARY seconds of the stop.

    Not the settled figures of a ``--calls`` demo: waiting for the simulated
    desk to finish its tickets and send the notifications takes longer than
    a stop may on a busy machine."""
    summary: dict[str, Any] = dict(ledger.summary())
    stopping.figures = dict(summary)
    started = time.monotonic()
    counting = asyncio.ensure_future(_tickets_now(system))
    await rig.stop(timeout=STOP_RIG)
    log.info("demo.stopped", part="rig", seconds=round(time.monotonic() - started, 2))
    left = STOP_SUMMARY - (time.monotonic() - started)
    summary.update(await _within(left, "summary", counting) or {})
    return summary


async def _tickets_now(system: Any) -> dict[str, Any]:
    if system is None or system.tickets is None:
        return {}
    totals = await system.tickets.totals()
    follow = await system.tickets.followup_totals()
    out = {**{f"tickets_{k}": totals.get(k, 0) for k in ("opened", "transferred", "resolved")},
           **{f"tickets_{k}": v for k, v in follow.items()}}
    if system.channels is not None:
        counts = await system.channels.counts()
        out.update({k: counts[k] for k in ("sms_in", "sms_out", "emails_in")})
    return out


async def _stop_parts(stops: list[Any], *, bounded: bool) -> None:
    """Everything but the rig, in order; after a signal, within STOP_PARTS."""
    started = time.monotonic()
    if bounded:
        await _within(STOP_PARTS, "parts", _stop_all(stops))
    else:
        await _stop_all(stops)
    log.info("demo.stopped", part="parts", seconds=round(time.monotonic() - started, 2))


async def _stop_all(stops: list[Any]) -> None:
    for stop_part in stops:
        with contextlib.suppress(Exception):
            await stop_part()


def _sync(fn: Any) -> Any:
    async def call() -> None:
        fn()

    return call


async def _within(seconds: float, what: str, aw: Any) -> Any:
    """What ``aw`` returns if it is done within ``seconds``, else None: it
    is cancelled and left to unwind on its own, not waited for (a database
    call, cancelled, rolls back first, which may take longer than a stop may)."""
    task = asyncio.ensure_future(aw)
    done, _ = await asyncio.wait({task}, timeout=max(0.0, seconds))
    if not done:
        task.cancel()
        log.warning("demo.stop_cut", part=what, seconds=round(seconds, 2))
        return None
    if task.exception() is not None:
        log.warning("demo.stop_failed", part=what, error=repr(task.exception()))
        return None
    return task.result()


def _status(ledger: Ledger) -> None:
    s = ledger.summary()
    sys.stdout.write(
        f"\roffered {s['offered']}  talking {ledger.talking}  waiting {ledger.waiting}  "
        f"answered {s['answered']}  abandoned {s['abandoned']}  rejected {s['rejected']}  "
        f"lost {s['lost']}   "
    )
    sys.stdout.flush()


def print_summary(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary, sort_keys=True))
    else:
        print("\n" + "  ".join(f"{k}={v}" for k, v in summary.items()))
