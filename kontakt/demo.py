"""`kontakt demo`: a private Asterisk, the engine, answering agent phones and
simulated citizens, on this machine, whatever the hour (the demo's clock).

Every figure of the summary is read from AMI (asterisk.ledger), not from the
engine's own bookkeeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from asterisk.ledger import Ledger
from asterisk.rig import CITY_NUMBER, FREE_NUMBER, PhoneBehaviour, Rig
from infra.logs import configure, get_logger
from kontakt.bootstrap import Options, bootstrap
from kontakt.demo_parts import Desk, with_mail
from kontakt.settings import Settings

log = get_logger()


# Key presses after the IVR answers, 6 s apart: the language (during the
# language prompts, after the welcome), then "1" for an operator (during the
# main menu).
LANGUAGE_KEYS = {"sr": "11", "hu": "21", "sk": "31"}
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


async def run_demo(args: Any, settings: Settings) -> dict[str, Any]:
    base = Path(tempfile.mkdtemp(prefix="kontakt-demo-"))
    logfile = open(base / "engine.log", "w")  # noqa: SIM115, ASYNC230 (once, at start)
    configure(settings.log_level, json=True, stream=logfile)
    rng = random.Random(args.seed)
    rig = Rig(
        base,
        agents=args.agents,
        ring_timeout=int(settings.ring_timeout),
        default_phone=PhoneBehaviour(talk_ms=int(args.talk * 1000)),
        city_talk_ms=int(max(1.0, args.talk) * 1000),
    )
    ledger = Ledger()
    system = None
    engine_ami = None
    mail = None
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
        from kontakt.service import connect_ami

        # The engine logs in as production does (its own, filtered AMI user);
        # the rig's connection sees every event for the ledger.
        engine_ami = await connect_ami(esettings)
        desk = Desk(getattr(args, "seed", 21))
        system = await bootstrap(esettings, engine_ami, Options(
            at=args.at or "auto",
            logins={a: DEMO_SKILLS.get(a, ["sr"]) for a in
                    (f"agent{i:02d}" for i in range(1, esettings.seats + 1))},
            extras=(desk,),
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
            while time.monotonic() < deadline:
                await asyncio.sleep(0.5)
                if ledger.offered >= args.calls and ledger.in_progress == 0:
                    break
                if not args.json:
                    _status(ledger)
            for proc in procs:
                with contextlib.suppress(TimeoutError):
                    await proc.wait(5)
            summary: dict[str, Any] = dict(ledger.summary())
            summary["calls"] = args.calls
            summary.update(await desk.summary())
            return summary
        while True:  # until Ctrl-C: a steady trickle of citizens
            await place_calls(
                rig, max(1, int(args.rate * 10)), rng, args.rate, args.patience, direct
            )
            for _ in range(20):
                await asyncio.sleep(0.5)
                _status(ledger)
    finally:
        if system is not None:
            await system.stop()
        if engine_ami is not None:
            engine_ami.close()
        if mail is not None:
            mail.stop()
        await rig.stop()
        logfile.close()


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
