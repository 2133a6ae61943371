"""(b) Call set-up on the real rig: the caller's INVITE to the agent's phone
ringing, with the kontakt engine and, in the same run, with Asterisk's
app_queue (leastrecent) doing the same job over the same agents and calls.

Latency is read from AMI timestamps: the trunk channel's first dialplan step
(the INVITE has just been accepted) to the agent leg's DialState RINGING
(the phone's 180).  CPU is read from /proc for Asterisk and for the engine,
which runs as its own `kontakt run` process.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from asterisk.rig import FREE_NUMBER, PhoneBehaviour, Rig

QUEUE_NUMBER = "0000000"
CLK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


async def _measure(rig: Rig, did: str, calls: int, rate: float, pids: dict[str, int]) -> dict:
    start: dict[str, float] = {}
    ringing: dict[str, float] = {}
    decided: dict[str, float] = {}  # the router handed the call back (AGI done / Queue began)

    def feed(ev: dict[str, str]) -> None:
        name, uid = ev.get("Event"), ev.get("Uniqueid", "")
        ts = float(ev.get("Timestamp", "0") or 0)
        if (
            name == "Newexten"
            and ev.get("Channel", "").startswith("PJSIP/trunk-")
            and uid not in start
        ):
            start[uid] = ts
        elif name == "QueueCallerJoin" and uid in start and uid not in decided:
            decided[uid] = ts
        elif (
            name == "DialState"
            and ev.get("DialStatus") == "RINGING"
            and ev.get("DestChannel", "").startswith("PJSIP/agent")
            and uid not in ringing
        ):
            ringing[uid] = ts

    assert rig.ami is not None
    rig.ami.listeners.append(feed)
    cpu0 = {k: _cpu(p) for k, p in pids.items()}
    proc = await rig.call([(f"0214{i:06d}", did) for i in range(calls)], rate=rate, hold_ms=300)
    await proc.wait(calls / rate + 60)
    await asyncio.sleep(1.0)
    cpu1 = {k: _cpu(p) for k, p in pids.items()}
    rig.ami.listeners.remove(feed)
    lat = [(ringing[u] - start[u]) * 1000 for u in ringing if u in start]
    split = [
        ((decided[u] - start[u]) * 1000, (ringing[u] - decided[u]) * 1000)
        for u in ringing
        if u in start and u in decided
    ]
    return {
        "n": len(lat),
        "p50": statistics.median(lat) if lat else float("nan"),
        "decide": statistics.median(a for a, _ in split) if split else float("nan"),
        "ring": statistics.median(b for _, b in split) if split else float("nan"),
        "p95": _pct(lat, 0.95) if lat else float("nan"),
        "cpu": {k: (cpu1[k] - cpu0[k]) / max(1, len(lat)) for k in pids},
    }


async def run(calls: int = 200, rate: float = 20.0, agents: int = 20) -> None:
    base = Path(tempfile.mkdtemp(prefix="kontakt-bench-"))
    rig = Rig(
        base,
        agents=agents,
        default_phone=PhoneBehaviour(talk_ms=200),
        app_queue_number=QUEUE_NUMBER,
    )
    engine = None
    try:
        await rig.start()
        ast_pid = (
            int((rig.cfg.base / "run" / "asterisk.pid").read_text().strip())
            if (rig.cfg.base / "run" / "asterisk.pid").exists()
            else rig.instance.proc.pid
        )  # type: ignore[union-attr]
        env = {
            **os.environ,
            "KONTAKT_AMI_PORT": str(rig.cfg.ami_port),
            "KONTAKT_AMI_SECRET": rig.cfg.ami_secret,
            "KONTAKT_AGI_PORT": str(rig.agi_port),
            "KONTAKT_RUN_DIR": str(base / "run"),
            "KONTAKT_SEATS": str(agents),
            "KONTAKT_LOG_LEVEL": "warning",
            "KONTAKT_LOG_JSON": "true",
            "KONTAKT_HTTP": "false",
            "KONTAKT_ROUTER": "direct",
            "KONTAKT_FAST_PATH": "true",
            "KONTAKT_DATABASE_URL": f"sqlite+aiosqlite:///{base}/k.db",
        }
        with open(base / "engine.log", "wb") as log:
            engine = subprocess.Popen(
                [sys.executable, "-m", "kontakt", "run"], env=env, stdout=log, stderr=log
            )
        for _ in range(200):
            if (base / "run" / "control.sock").exists():
                break
            await asyncio.sleep(0.05)
        subprocess.run(
            [sys.executable, "-m", "kontakt", "agent", "login", "all"],
            env=env,
            check=True,
            capture_output=True,
        )
        # Warm up both paths, then measure them alternately in the same run.
        await _measure(rig, FREE_NUMBER, 20, rate, {"asterisk": ast_pid})
        await _measure(rig, QUEUE_NUMBER, 20, rate, {"asterisk": ast_pid})
        eng = await _measure(
            rig, FREE_NUMBER, calls, rate, {"asterisk": ast_pid, "engine": engine.pid}
        )
        aq = await _measure(rig, QUEUE_NUMBER, calls, rate, {"asterisk": ast_pid})
    finally:
        if engine is not None:
            engine.terminate()
            engine.wait(10)
        await rig.stop()
    print(
        f"\nCall set-up on the real rig: INVITE -> agent phone ringing "
        f"({calls} calls at {rate:g}/s, {agents} agents)"
    )
    print(
        f"{'router':<22}{'calls':>7}{'p50 ms':>9}{'p95 ms':>9}{'CPU ms/call':>13}"
        f"{'(asterisk':>11}{' + engine)':>11}"
    )
    for name, r in (("kontakt engine", eng), ("app_queue leastrecent", aq)):
        total = sum(r["cpu"].values()) * 1000
        print(
            f"{name:<22}{r['n']:>7}{r['p50']:>9.2f}{r['p95']:>9.2f}{total:>13.2f}"
            f"{r['cpu']['asterisk'] * 1000:>11.2f}{r['cpu'].get('engine', 0) * 1000:>11.2f}"
        )
    print(
        f"median split, decision | dial to ringing (ms): engine {eng['decide']:.2f} | "
        f"{eng['ring']:.2f}; app_queue {aq['decide']:.2f} | {aq['ring']:.2f}"
    )
    print(
        f"ratio engine/app_queue: p50 {eng['p50'] / aq['p50']:.2f}x, "
        f"p95 {eng['p95'] / aq['p95']:.2f}x (target <= 1.25x)"
    )


def main() -> None:
    t = time.monotonic()
    asyncio.run(run())
    print(f"(bench took {time.monotonic() - t:.0f} s)")


if __name__ == "__main__":
    main()
