"""Erlang C: how many operators a half hour needs so that a share of the
calls (the service level, e.g. 80%) is answered within a time (e.g. 20 s).

Pure arithmetic.  With ``A`` the offered traffic in erlangs (calls per
second x average handle time), ``N`` operators:

    P(wait) = C(N, A) = N·B / (N − A·(1 − B)),  B = Erlang B(N, A)
    service level = 1 − C(N, A) · exp(−(N − A) · T / AHT)

Erlang B is taken by its recursion B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)),
which stays exact for hundreds of operators where factorials overflow.
"""

from __future__ import annotations

import math

MAX_AGENTS = 1000


def erlang_b(agents: int, traffic: float) -> float:
    b = 1.0
    for n in range(1, agents + 1):
        b = traffic * b / (n + traffic * b)
    return b


def erlang_c(agents: int, traffic: float) -> float:
    """The probability that a call waits (1.0 when the operators cannot keep up)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    b = erlang_b(agents, traffic)
    return agents * b / (agents - traffic * (1 - b))


def service_level(agents: int, traffic: float, aht: float, answer_within: float) -> float:
    """The share of calls answered within ``answer_within`` seconds."""
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    return 1.0 - erlang_c(agents, traffic) * math.exp(-(agents - traffic) * answer_within / aht)


def average_wait(agents: int, traffic: float, aht: float) -> float:
    """ASA, seconds (inf when the operators cannot keep up)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return erlang_c(agents, traffic) * aht / (agents - traffic)


def agents_needed(calls: float, period: float, aht: float, target: float = 0.8,
                  answer_within: float = 20.0) -> int:
    """Operators needed for ``calls`` offered in ``period`` seconds with an
    average handle time ``aht`` (seconds) to answer ``target`` of them within
    ``answer_within`` seconds.  No calls: 0."""
    if calls <= 0 or aht <= 0:
        return 0
    if not 0 < target < 1:
        raise ValueError(f"target service level {target!r} must be between 0 and 1")
    traffic = calls * aht / period
    n = max(1, math.floor(traffic) + 1)
    while service_level(n, traffic, aht, answer_within) < target:
        n += 1
        if n > MAX_AGENTS:
            raise ValueError(f"more than {MAX_AGENTS} operators for {traffic:.1f} erlangs")
    return n
