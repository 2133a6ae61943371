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
from kontakt.logs import configure, get_logger
from kontakt.runtime import Engine
from kontakt.settings import Settings

log = get_logger()


def citizen_calls(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """A realistic mix: most from 021 landlines, some from mobiles and other areas."""
    calls = []
    for _ in range(n):
        r = rng.random()
        if r < 0.6:
            calls.append((f"021{rng.randrange(4000000, 6999999)}", rng.choice([FREE_NUMBER, CITY_NUMBER])))
        elif r < 0.9:
            calls.append((f"06{rng.randrange(0, 6)}{rng.randrange(1000000, 9999999)}", CITY_NUMBER))
        else:
            calls.append((f"011{rng.randrange(2000000, 3999999)}", CITY_NUMBER))
    return calls


async def run_demo(args: Any, settings: Settings) -> dict[str, Any]:
    base = Path(tempfile.mkdtemp(prefix="kontakt-demo-"))
    logfile = open(base / "engine.log", "w")  # noqa: SIM115
    configure(settings.log_level, json=True, stream=logfile)
    rng = random.Random(args.seed)
    rig = Rig(base, agents=args.agents, ring_timeout=int(settings.ring_timeout),
              default_phone=PhoneBehaviour(talk_ms=int(args.talk * 1000)))
    ledger = Ledger()
    engine = None
    extras: list[Any] = []
    try:
        ami = await rig.start()
        ami.listeners.append(ledger.feed)
        esettings = rig.engine_settings(settings).replace(queue_log=str(base / "queue_log"))
        from kontakt.wiring import build_router  # configuration, hours, IVR

        router = build_router(esettings, at=args.at)
        from kontakt.service import connect_ami

        # The engine logs in as production does (its own, filtered AMI user);
        # the rig's connection sees every event for the ledger.
        engine_ami = await connect_ami(esettings)
        extras.append(_Closing(engine_ami))
        engine = Engine(esettings, engine_ami, router=router)
        await engine.start()
        for agent in list(engine.acd.agents):
            await engine.agent_login(agent)
        from kontakt.wiring import start_extras

        extras += await start_extras(args, esettings, engine, base)
        if not args.json:
            print(f"kontakt demo: Asterisk SIP 127.0.0.1:{rig.sip_port}, {args.agents} agents, "
                  f"logs in {base}", flush=True)
        if args.calls:
            proc = await rig.call(citizen_calls(args.calls, rng), rate=args.rate,
                                  patience_ms=int(args.patience * 1000))
            deadline = time.monotonic() + args.calls / args.rate + args.talk * (args.calls / max(1, args.agents) + 2) + 120
            while time.monotonic() < deadline:
                await asyncio.sleep(0.5)
                if ledger.offered >= args.calls and ledger.in_progress == 0:
                    break
                if not args.json:
                    _status(ledger)
            with contextlib.suppress(TimeoutError):
                await proc.wait(5)
            summary = ledger.summary()
            summary["calls"] = args.calls
            for extra in extras:
                summary.update(await extra.summary())
            return summary
        while True:  # until Ctrl-C: a steady trickle of citizens
            await rig.call(citizen_calls(max(1, int(args.rate * 10)), rng), rate=args.rate,
                           patience_ms=int(args.patience * 1000))
            for _ in range(20):
                await asyncio.sleep(0.5)
                _status(ledger)
    finally:
        for extra in extras:
            with contextlib.suppress(Exception):
                await extra.stop()
        if engine is not None:
            await engine.stop()
        await rig.stop()
        logfile.close()


class _Closing:
    def __init__(self, ami: Any) -> None:
        self.ami = ami

    async def summary(self) -> dict[str, Any]:
        return {}

    async def stop(self) -> None:
        self.ami.close()


def _status(ledger: Ledger) -> None:
    s = ledger.summary()
    sys.stdout.write(
        f"\roffered {s['offered']}  talking {ledger.talking}  waiting {ledger.waiting}  "
        f"answered {s['answered']}  abandoned {s['abandoned']}  rejected {s['rejected']}  "
        f"lost {s['lost']}   ")
    sys.stdout.flush()


def print_summary(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary, sort_keys=True))
    else:
        print("\n" + "  ".join(f"{k}={v}" for k, v in summary.items()))
