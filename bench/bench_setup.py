"""(b) Call set-up on the real rig, engine against Asterisk's app_queue
(leastrecent) over the same agents and calls, in the same run.

The default path is what a citizen gets: ``router = ivr`` (numbers, hours,
the menus over the call's own FastAGI session), ``fast_path = false``, the
engine deciding each call over FastAGI.  The citizen presses 1 (Serbian)
and 1 (an operator); the IVR says "connecting you" and the measurement
starts when that last prompt ends (the caller has left the IVR: AMI
``AGIExecEnd`` of its STREAM FILE, or, when the engine plays it with the
ring, the ring subroutine's next step, its Queue) and stops at the agent leg's ``DialState
RINGING`` (the phone's 180).  app_queue is measured behind the same IVR
played by the dialplan (the same prompts and keys, so Asterisk carries the
same media load; only the router differs), from its ``Queue`` step (Newexten)
to the same RINGING: app_queue starts where the IVR ended.  app_queue with
no IVR in front is measured too, as a reference.
The fast path (``router = direct``, ``fast_path = true``, no IVR) is
measured in the same run, from the trunk channel's first dialplan step.

CPU is read from /proc for Asterisk and for the engine (its own ``kontakt
run`` process) over each measured batch, per connected call.

    python -m bench.bench_setup [--agents N] [--calls N] [--rate R] [--scale]
                                [--profile DIR] [--no-fast]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asterisk.lifeline import die_with_parent
from asterisk.rig import FREE_NUMBER, PhoneBehaviour, Rig
from bench.report import bench_line

QUEUE_NUMBER = "0000000"
QUEUE_IVR_NUMBER = "0000001"  # app_queue behind the same prompts, played by the dialplan
CLK = os.sysconf("SC_CLK_TCK")
IVR_KEYS = "11"  # Serbian, then an operator
IVR_LAST_PROMPT = "to_operator"
PROMPTS_CACHE = Path(tempfile.gettempdir()) / "kontakt-bench-prompts"


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] if xs else float("nan")


@dataclass
class Result:
    n: int = 0
    lat: list[float] = field(default_factory=list)
    decide: list[float] = field(default_factory=list)
    ring: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # seconds per call

    def add(self, other: Result) -> None:
        n0, n1 = self.n, other.n
        for k, v in other.cpu.items():
            self.cpu[k] = (self.cpu.get(k, 0.0) * n0 + v * n1) / max(1, n0 + n1)
        self.n += other.n
        self.lat += other.lat
        self.decide += other.decide
        self.ring += other.ring

    @property
    def p50(self) -> float:
        return statistics.median(self.lat) if self.lat else float("nan")

    @property
    def p95(self) -> float:
        return _pct(self.lat, 0.95)

    def ms(self, part: str) -> float:
        return self.cpu.get(part, 0.0) * 1000


def _starts(start_on: str, name: str, ev: dict[str, str]) -> bool:
    if start_on == "first_step":
        return name == "Newexten"
    if start_on == "queue":
        return name == "Newexten" and ev.get("Application") == "Queue"
    # The IVR's last prompt ended: played over AGI (STREAM FILE), or by the
    # ring subroutine right before its Queue step (the engine's farewell).
    if name == "AGIExecEnd":
        return IVR_LAST_PROMPT in ev.get("Command", "")
    return (name == "Newexten" and ev.get("Context") == "kontakt-ring"
            and ev.get("Application") == "Queue")


async def _measure(rig: Rig, did: str, calls: int, rate: float, pids: dict[str, int],
                   *, start_on: str, dtmf: str = "") -> Result:
    """``start_on``: ``first_step`` (the trunk channel's first dialplan
    step), ``queue`` (its Queue step) or ``ivr_end`` (the end of the IVR's
    last prompt)."""
    start: dict[str, float] = {}
    ringing: dict[str, float] = {}
    decided: dict[str, float] = {}  # the caller joined the queue that rings the agent

    def feed(ev: dict[str, str]) -> None:
        name, uid = ev.get("Event"), ev.get("Uniqueid", "")
        ts = float(ev.get("Timestamp", "0") or 0)
        trunk = ev.get("Channel", "").startswith("PJSIP/trunk-")
        if uid in start:
            if name == "QueueCallerJoin" and uid not in decided:
                decided[uid] = ts
            elif (name == "DialState" and ev.get("DialStatus") == "RINGING"
                  and ev.get("DestChannel", "").startswith("PJSIP/agent")
                  and uid not in ringing):
                ringing[uid] = ts
        elif not trunk:
            return
        elif _starts(start_on, name or "", ev):
            start[uid] = ts

    assert rig.ami is not None
    rig.ami.listeners.append(feed)
    cpu0 = {k: _cpu(p) for k, p in pids.items()}
    proc = await rig.call([(f"0214{i:06d}", did) for i in range(calls)], rate=rate,
                          hold_ms=30_000, dtmf=dtmf, dtmf_delay_ms=1000)
    with contextlib.suppress(TimeoutError):
        await proc.wait(calls / rate + 90)
    await asyncio.sleep(1.0)
    cpu1 = {k: _cpu(p) for k, p in pids.items()}
    rig.ami.listeners.remove(feed)
    done = [u for u in ringing if u in start]
    return Result(
        n=len(done),
        lat=[(ringing[u] - start[u]) * 1000 for u in done],
        decide=[(decided[u] - start[u]) * 1000 for u in done if u in decided],
        ring=[(ringing[u] - decided[u]) * 1000 for u in done if u in decided],
        cpu={k: (cpu1[k] - cpu0[k]) / max(1, len(done)) for k in pids},
    )


class EngineProcess:
    """`kontakt run` against the rig, as production runs it."""

    def __init__(self, rig: Rig, base: Path, agents: int, *, fast: bool) -> None:
        from bench.soak_setup import soak_config

        self.base = base
        run = base / ("run-fast" if fast else "run-ivr")
        run.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "KONTAKT_AMI_PORT": str(rig.cfg.ami_port),
            "KONTAKT_AMI_SECRET": rig.cfg.ami_secret,
            "KONTAKT_AGI_PORT": str(rig.agi_port),
            "KONTAKT_RUN_DIR": str(run),
            "KONTAKT_SEATS": str(agents),
            "KONTAKT_LOG_LEVEL": "info",  # as production logs
            "KONTAKT_LOG_JSON": "true",
            "KONTAKT_HTTP": "false",
            "KONTAKT_ROUTER": "direct" if fast else "ivr",
            "KONTAKT_FAST_PATH": "true" if fast else "false",
            "KONTAKT_CONFIG": str(soak_config(base / "config.yaml")),
            # espeak-ng takes a minute for every prompt: made once, kept between runs
            "KONTAKT_PROMPTS_DIR": str(PROMPTS_CACHE),
            "KONTAKT_QUEUE_LOG": str(run / "queue_log"),
            "KONTAKT_DATABASE_URL": f"sqlite+aiosqlite:///{run}/k.db",
        }
        self.run_dir = run
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> int:
        self.log = open(self.run_dir / "engine.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "kontakt", "run"], env=self.env,
                                     stdout=self.log, stderr=self.log,
                                     preexec_fn=die_with_parent())
        for _ in range(3600):
            if (self.run_dir / "control.sock").exists():
                break
            if self.proc.poll() is not None:
                raise RuntimeError(f"kontakt run ended: see {self.run_dir / 'engine.log'}")
            await asyncio.sleep(0.05)
        subprocess.run([sys.executable, "-m", "kontakt", "agent", "login", "all"],
                       env=self.env, check=True, capture_output=True)
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self.proc = None
            self.log.close()


def _profiler(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("(py-spy not installed: no profile)")
        return None
    # --gil: only samples holding the GIL, the engine's own Python work
    return subprocess.Popen([spy, "record", "-p", str(pid), "-r", "200", "-d",
                             str(int(seconds)), "-f", "raw", "-o", str(out), "--nonblocking",
                             "--gil"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def run(calls: int = 200, rate: float = 5.0, agents: int = 20, *, rounds: int = 2,
              fast: bool = True, profile: Path | None = None) -> dict[str, Any]:
    base = Path(tempfile.mkdtemp(prefix="kontakt-bench-"))
    rig = Rig(base, agents=agents, default_phone=PhoneBehaviour(talk_ms=200),
              app_queue_number=QUEUE_NUMBER, app_queue_ivr_number=QUEUE_IVR_NUMBER,
              app_queue_prompts=str(PROMPTS_CACHE / "generated"))
    res = {"engine": Result(), "app_queue": Result(), "app_queue_plain": Result(),
           "fast": Result()}
    engine: EngineProcess | None = None
    try:
        await rig.start()
        pidfile = rig.cfg.base / "run" / "asterisk.pid"
        ast = int(pidfile.read_text().strip()) if pidfile.exists() else rig.instance.proc.pid  # type: ignore[union-attr]
        engine = EngineProcess(rig, base, agents, fast=False)
        eng_pid = await engine.start()
        pids = {"asterisk": ast, "engine": eng_pid}
        # Warm up both paths, then measure them alternately in the same run.
        await _measure(rig, FREE_NUMBER, 20, rate, pids, start_on="ivr_end", dtmf=IVR_KEYS)
        await _measure(rig, QUEUE_IVR_NUMBER, 20, rate, {"asterisk": ast}, start_on="queue",
                       dtmf=IVR_KEYS)
        for r in range(rounds):
            spy = (_profiler(eng_pid, calls / rate + 5, profile / f"engine-{agents}-{r}.txt")
                   if profile is not None else None)
            res["engine"].add(await _measure(rig, FREE_NUMBER, calls, rate, pids,
                                             start_on="ivr_end", dtmf=IVR_KEYS))
            if spy is not None:
                spy.wait()
            res["app_queue"].add(await _measure(rig, QUEUE_IVR_NUMBER, calls, rate,
                                                {"asterisk": ast}, start_on="queue",
                                                dtmf=IVR_KEYS))
            res["app_queue_plain"].add(await _measure(rig, QUEUE_NUMBER, calls, rate,
                                                      {"asterisk": ast}, start_on="queue"))
        engine.stop()
        if fast:
            engine = EngineProcess(rig, base, agents, fast=True)
            pids = {"asterisk": ast, "engine": await engine.start()}
            await _measure(rig, FREE_NUMBER, 20, rate, pids, start_on="first_step")
            spy = (_profiler(pids["engine"], calls / rate + 5,
                             profile / f"engine-fast-{agents}.txt")
                   if profile is not None else None)
            res["fast"].add(await _measure(rig, FREE_NUMBER, calls, rate, pids,
                                           start_on="first_step"))
            if spy is not None:
                spy.wait()
            res["app_queue_first"] = await _measure(rig, QUEUE_NUMBER, calls, rate,
                                                    {"asterisk": ast}, start_on="first_step")
    finally:
        if engine is not None:
            engine.stop()
        await rig.stop()
    return {"calls": calls, "rate": rate, "agents": agents, "rounds": rounds, **res}


def _print(out: dict[str, Any]) -> dict[str, Any]:
    eng, aq, fast = out["engine"], out["app_queue"], out["fast"]
    print(f"\nCall set-up on the real rig: caller leaves the IVR -> agent phone ringing "
          f"({out['rounds']} x {out['calls']} calls at {out['rate']:g}/s, {out['agents']} agents)")
    print(f"{'router':<30}{'calls':>7}{'p50 ms':>9}{'p95 ms':>9}{'CPU ms/call':>13}"
          f"{'(asterisk':>11}{' + engine)':>11}")
    plain = out["app_queue_plain"]
    rows = [("kontakt, IVR + FastAGI", eng), ("app_queue, IVR in dialplan", aq)]
    if plain.n:
        rows.append(("app_queue, no IVR (reference)", plain))
    if fast.n:
        rows += [("kontakt fast path, no IVR *", fast), ("app_queue, same start *",
                                                         out["app_queue_first"])]
    for name, r in rows:
        total = sum(r.cpu.values()) * 1000
        print(f"{name:<30}{r.n:>7}{r.p50:>9.2f}{r.p95:>9.2f}{total:>13.2f}"
              f"{r.ms('asterisk'):>11.2f}{r.ms('engine'):>11.2f}")
    med = statistics.median
    if eng.decide and aq.decide:
        print(f"median split, to queue join | join to ringing (ms): engine "
              f"{med(eng.decide):.2f} | {med(eng.ring):.2f}; app_queue {med(aq.decide):.2f}"
              f" | {med(aq.ring):.2f}")
    p50r, p95r = eng.p50 / aq.p50, eng.p95 / aq.p95
    cpu_ratio = eng.ms("engine") / max(1e-9, eng.ms("asterisk"))
    print(f"ratio engine/app_queue: p50 {p50r:.2f}x, p95 {p95r:.2f}x (target <= 1.15x); "
          f"engine CPU / Asterisk's {cpu_ratio:.2f} (target <= 0.25)")
    if fast.n:
        afq = out["app_queue_first"]
        print(f"* from the first dialplan step: fast path / app_queue p50 "
              f"{fast.p50 / afq.p50:.2f}x, p95 {fast.p95 / afq.p95:.2f}x")
    figures = {
        "agents": out["agents"], "calls": eng.n, "rate": out["rate"],
        "p50_ms": round(eng.p50, 2), "p95_ms": round(eng.p95, 2),
        "app_queue_p50_ms": round(aq.p50, 2), "app_queue_p95_ms": round(aq.p95, 2),
        "p50_ratio": round(p50r, 3), "p95_ratio": round(p95r, 3),
        "engine_cpu_ms": round(eng.ms("engine"), 2),
        "asterisk_cpu_ms": round(eng.ms("asterisk"), 2),
        "app_queue_asterisk_cpu_ms": round(aq.ms("asterisk"), 2),
        "engine_cpu_ratio": round(cpu_ratio, 3),
    }
    if plain.n:
        print(f"against app_queue with no IVR in front (less media load on Asterisk): p50 "
              f"{eng.p50 / plain.p50:.2f}x, p95 {eng.p95 / plain.p95:.2f}x")
        figures["no_ivr_peer"] = {"p50_ms": round(plain.p50, 2), "p95_ms": round(plain.p95, 2),
                                  "p50_ratio": round(eng.p50 / plain.p50, 3),
                                  "p95_ratio": round(eng.p95 / plain.p95, 3),
                                  "asterisk_cpu_ms": round(plain.ms("asterisk"), 2)}
    if fast.n:
        afq = out["app_queue_first"]
        figures["fast_path"] = {"p50_ratio": round(fast.p50 / afq.p50, 3),
                                "p95_ratio": round(fast.p95 / afq.p95, 3),
                                "engine_cpu_ms": round(fast.ms("engine"), 2),
                                "asterisk_cpu_ms": round(fast.ms("asterisk"), 2)}
    return figures


SCALE = ((20, 2.0), (100, 10.0), (200, 20.0))  # agents, calls per second: proportional


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.bench_setup")
    p.add_argument("--agents", type=int, default=20)
    p.add_argument("--calls", type=int, default=200)
    p.add_argument("--rate", type=float, default=5.0)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--no-fast", action="store_true", help="skip the fast path rows")
    p.add_argument("--scale", action="store_true", help="also 20, 100, 200 agents")
    p.add_argument("--scale-only", action="store_true", help="only 20, 100, 200 agents")
    p.add_argument("--profile", type=Path, help="py-spy the engine into this folder")
    a = p.parse_args(argv if argv is not None else [])
    if a.profile:
        a.profile.mkdir(parents=True, exist_ok=True)
    t = time.monotonic()
    if not a.scale_only:
        out = asyncio.run(run(a.calls, a.rate, a.agents, rounds=a.rounds, fast=not a.no_fast,
                              profile=a.profile))
        figures = _print(out)
        if a.profile:
            figures["engine_split"] = _print_split(a.profile, a.agents)
        bench_line("setup", **figures)
    if a.scale or a.scale_only:
        scale_rows = []
        for agents, rate in SCALE:
            o = asyncio.run(run(int(rate * 20), rate, agents, rounds=1, fast=False,
                                profile=a.profile))
            scale_rows.append(_print(o))
        _print_scale(scale_rows)
    print(f"(bench took {time.monotonic() - t:.0f} s)")


def _print_split(folder: Path, agents: int) -> dict[str, float]:
    """The engine's CPU split by part over the default path's rounds."""
    from bench.profile_split import split

    files = sorted(folder.glob(f"engine-{agents}-*.txt"))
    parts = sum((split(f.read_text().splitlines()) for f in files), Counter())
    n = sum(parts.values()) or 1
    print("\nEngine CPU by part (py-spy --gil, default path):")
    for name, count in parts.most_common():
        print(f"  {name:<38}{100 * count / n:>6.1f}%")
    return {name: round(100 * count / n, 1) for name, count in parts.most_common()}


def _print_scale(rows: list[dict[str, Any]]) -> None:
    print("\nSet-up with the work: agents and calls per second in proportion (default path)")
    print(f"{'agents':>7}{'calls/s':>9}{'calls':>7}{'p50 ms':>9}{'p95 ms':>9}{'vs aq p50':>11}"
          f"{'engine ms/call':>16}{'asterisk ms/call':>18}")
    for r in rows:
        print(f"{r['agents']:>7}{r['rate']:>9g}{r['calls']:>7}{r['p50_ms']:>9.2f}"
              f"{r['p95_ms']:>9.2f}{r['p50_ratio']:>10.2f}x{r['engine_cpu_ms']:>16.2f}"
              f"{r['asterisk_cpu_ms']:>18.2f}")
    bench_line("setup_scale", rows=[{k: r[k] for k in (
        "agents", "rate", "calls", "p50_ms", "p95_ms", "p50_ratio", "p95_ratio",
        "engine_cpu_ms", "asterisk_cpu_ms")} for r in rows])


if __name__ == "__main__":
    main(sys.argv[1:])
