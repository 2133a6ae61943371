"""(a) The pure assignment decision at 10,000 waiting calls and 1,000 agents.

Measures, in microseconds, one agent freeing up and taking the oldest
waiting call among its skills (the hot path when a queue is long), and one
call arriving while every agent is busy (queue insert + position).
"""

from __future__ import annotations

import random
import statistics
import time

from acd.distributor import Distributor

LANGS = ("sr", "hu", "sk", "ro")


def _setup(calls: int, agents: int, rng: random.Random) -> Distributor:
    d = Distributor()
    for i in range(agents):
        d.add_agent(f"a{i}", rng.sample(LANGS, rng.randint(1, 3)), penalty=rng.randint(0, 2))
        d.login(f"a{i}", float(i))
    t = float(agents)
    for j in range(agents):  # keep every agent busy
        d.call_arrived(f"busy{j}", t, language=rng.choice(LANGS))
    for cid, call in list(d.calls.items()):
        if call.state == "offered":
            d.answered(cid, t)
    for j in range(calls):
        d.call_arrived(f"w{j}", t + j, language=rng.choice(LANGS))
    return d


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def main(samples: int = 2000) -> None:
    rng = random.Random(7)
    d = _setup(10_000, 1_000, rng)
    free, arrive = [], []
    now = 1e6
    talking = [cid for cid, c in d.calls.items() if c.state == "connected"]
    for k in range(samples):
        cid = talking[k % len(talking)]
        now += 1
        t0 = time.perf_counter_ns()
        cmds = d.call_gone(cid, now)  # agent frees, takes the next call
        free.append((time.perf_counter_ns() - t0) / 1000)
        for c in cmds:
            if type(c).__name__ == "Offer":
                d.answered(c.call_id, now)
                talking[k % len(talking)] = c.call_id
        t0 = time.perf_counter_ns()
        d.call_arrived(f"n{k}", now, language=rng.choice(LANGS))
        arrive.append((time.perf_counter_ns() - t0) / 1000)
    print("ACD decision, 10,000 waiting calls, 1,000 agents (microseconds)")
    print(f"{'operation':<34}{'p50':>10}{'p99':>10}{'samples':>10}")
    for name, xs in (
        ("agent frees -> takes next call", free),
        ("call arrives, all agents busy", arrive),
    ):
        print(f"{name:<34}{statistics.median(xs):>10.1f}{_pct(xs, 0.99):>10.1f}{len(xs):>10}")
    print(f"ratio p99/p50 (agent frees): {_pct(free, 0.99) / statistics.median(free):.2f}")


if __name__ == "__main__":
    main()
