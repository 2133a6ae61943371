"""The call decision before the ACD: number rules + hours (``admit``) and a
whole IVR walk (``route`` with keys), per call, in microseconds; and loading
and checking the shipped configuration, in milliseconds.  Run alone with
``python -m bench.bench_route``.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import datetime, timedelta

from dialplan.loader import load_config
from dialplan.routing import admit
from ivr.walk import route

CALLERS = ("0214807901", "+381641234567", "00381113345678", "214807902", "anonymous",
           "+3612345678", "064 123 4567")
NUMBERS = ("0800 021 021", "021 4807 900")


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def _time(fn, samples: int, scale: float) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for k in range(samples):
        t0 = time.perf_counter_ns()
        fn(k)
        out.append((time.perf_counter_ns() - t0) / scale)
    return out


def main(samples: int = 3000) -> None:
    rng = random.Random(21)
    cfg = load_config()
    start = datetime(2026, 1, 1, 0, 0)
    moments = [start + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)) for _ in range(samples)]
    calls = [(rng.choice(NUMBERS), rng.choice(CALLERS), moments[i]) for i in range(samples)]
    rows = [
        ("admit (numbers + hours)", "us", _time(
            lambda k: admit(cfg, to_number=calls[k][0], from_number=calls[k][1],
                            at=calls[k][2]), samples, 1000)),
        ("route, keys 2,3,1,0,1 (IVR walk)", "us", _time(
            lambda k: route(cfg, to_number="021 4807 900", from_number=calls[k][1],
                            at=datetime(2026, 12, 1, 10), digits=["2", "3", "1", "0", "1"]),
            samples, 1000)),
        ("load_config (shipped default)", "ms", _time(lambda k: load_config(), 30, 1e6)),
    ]
    print("Call decision before the ACD")
    print(f"{'operation':<36}{'unit':>6}{'p50':>10}{'p99':>10}{'samples':>10}")
    for name, unit, xs in rows:
        print(f"{name:<36}{unit:>6}{statistics.median(xs):>10.1f}{_pct(xs, 0.99):>10.1f}"
              f"{len(xs):>10}")


if __name__ == "__main__":
    main()
