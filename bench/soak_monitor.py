"""What the soak watches while the day runs: the engine's RSS, descriptors
and CPU from /proc (and the CPU of Asterisk and of the soak itself, the
machine's budget), the engine's own picture of its agents over the control
socket, and how late the soak's own event loop runs (its figures are only
as good as its timing)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.soak_control import control_call
from bench.soak_procs import Usage, usage

MARKS = (("start", 0.02), ("middle", 0.5))  # fractions of the day
CURVE_POINTS = 24


class Monitor:
    def __init__(self, engine_pid: Callable[[], int | None], asterisk: Callable[[], Any],
                 control: Path, t0: Callable[[], float]) -> None:
        self.engine_pid, self.asterisk, self.control, self.t0 = engine_pid, asterisk, control, t0
        self.samples: list[tuple[str, Usage]] = []
        self.others: dict[str, dict[str, float]] = {}  # label -> CPU s of Asterisk, the soak
        self.status: list[dict[str, Any]] = []  # the engine's agent states every 2 s
        self.loop_lags: list[tuple[float, float]] = []  # (s into the day, s late) over 0.2 s

    def tasks(self, day_s: float) -> list[asyncio.Task[None]]:
        return [asyncio.create_task(self._sampler(day_s)), asyncio.create_task(self._poller()),
                asyncio.create_task(self._loop_lag())]

    def sample(self, label: str) -> None:
        at = time.time() - self.t0()
        pid = self.engine_pid()
        u = usage(pid, at) if pid else None
        if u is not None:
            self.samples.append((label, u))
        if label != "curve":
            ast = self.asterisk()
            for name, other in (("asterisk", ast.pid if ast else None), ("soak", os.getpid())):
                o = usage(other, at) if other else None
                if o is not None:
                    self.others.setdefault(label, {})[name] = round(o.cpu_s, 1)

    async def _sampler(self, day_s: float) -> None:
        marks = list(MARKS)
        step, next_point = day_s / CURVE_POINTS, 0.0
        while True:
            now = time.time() - self.t0()
            for label, frac in list(marks):
                if now >= frac * day_s:
                    self.sample(label)
                    marks.remove((label, frac))
            if now >= next_point:
                self.sample("curve")
                next_point += step
            await asyncio.sleep(0.5)

    async def _loop_lag(self) -> None:
        while True:
            t = time.monotonic()
            await asyncio.sleep(0.05)
            lag = time.monotonic() - t - 0.05
            if lag > 0.2:
                self.loop_lags.append((round(time.time() - self.t0(), 1), round(lag, 2)))

    async def _poller(self) -> None:
        while True:
            await asyncio.sleep(2.0)
            with contextlib.suppress(OSError, TimeoutError, ValueError):
                snap = await control_call(self.control, {"op": "status"}, timeout=5)
                states: dict[str, int] = {}
                for a in snap.get("agents", []):
                    states[a["state"]] = states.get(a["state"], 0) + 1
                self.status.append({"t": round(time.time() - self.t0(), 1), **states,
                                    "waiting": len(snap.get("waiting", []))})
