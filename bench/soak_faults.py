"""The faults the soak injects, once each at a set point of the day, and
what each one cost.

Each fault opens a *segment* of the day that lasts until the next fault (the
first segment, before any fault, is the baseline): a call lost, a ticket lost
or an event lost is charged to the segment it happened in.  Recovery is
measured from the moment of the fault: until the next call the engine itself
routed was answered, and until the next event arrived over MQTT.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Fault:
    name: str
    at_fraction: float  # of the day
    inject: Callable[[], Awaitable[dict[str, Any]]]
    at: float | None = None  # wall time it was injected
    back: float | None = None  # wall time the faulty part was back (restarted, reconnected)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Cost:
    name: str
    at: float | None
    calls_lost: int = 0
    tickets_lost: int = 0
    events_lost: int = 0
    recover_call_s: float | None = None
    recover_event_s: float | None = None
    details: dict[str, Any] = field(default_factory=dict)


async def run_schedule(faults: list[Fault], t0: float, day: float) -> None:
    """Inject each fault at its time (wall clock from ``t0``)."""
    for f in sorted(faults, key=lambda f: f.at_fraction):
        delay = t0 + f.at_fraction * day - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        f.at = time.time()
        f.details = await f.inject()
        f.back = f.details.pop("back", None) or time.time()


def segments(faults: list[Fault], t_start: float, t_end: float
             ) -> list[tuple[str, float, float, Fault | None]]:
    """(name, from, to, fault) for the baseline and each injected fault."""
    done = sorted((f for f in faults if f.at is not None), key=lambda f: f.at or 0)
    out: list[tuple[str, float, float, Fault | None]] = []
    start, name, fault = t_start, "no fault", None
    for f in done:
        assert f.at is not None
        out.append((name, start, f.at, fault))
        start, name, fault = f.at, f.name, f
    out.append((name, start, max(t_end, start), fault))
    return out


def charge(times: list[float], segs: list[tuple[str, float, float, Fault | None]]
           ) -> dict[str, int]:
    """How many of ``times`` fall in each segment (the last one takes the rest)."""
    out = {name: 0 for name, *_ in segs}
    for t in times:
        for i, (name, a, b, _) in enumerate(segs):
            if a <= t < b or (i == len(segs) - 1 and t >= a) or (i == 0 and t < a):
                out[name] += 1
                break
    return out
