"""The engine's own call counters and the live picture the workstations and
`kontakt agent status` show (the AMI-derived ledger is the figure of record)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from acd.distributor import Distributor


@dataclass
class Stats:
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    rejected: int = 0
    callbacks: int = 0
    answered_within_20s: int = 0
    answer_wait_total: float = 0.0

    def answer(self, wait: float) -> None:
        self.answered += 1
        self.answer_wait_total += wait
        self.answered_within_20s += wait <= 20

    def __getitem__(self, name: str) -> Any:  # the figures by name, as views read them
        return getattr(self, name)

    def as_dict(self, max_wait_now: float) -> dict[str, Any]:
        return {
            "offered": self.offered, "answered": self.answered, "abandoned": self.abandoned,
            "rejected": self.rejected, "callbacks": self.callbacks,
            "answered_within_20s": self.answered_within_20s,
            "avg_answer_wait": round(self.answer_wait_total / self.answered, 2)
            if self.answered else 0.0,
            "max_wait_now": max_wait_now,
        }


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def snapshot(acd: Distributor, stats: Stats, now: float) -> dict[str, Any]:
    agents = []
    for a in acd.agents.values():
        call = acd.calls.get(a.call_id) if a.call_id else None
        agents.append({
            "id": a.id, "state": a.state.value, "reason": a.reason,
            "since": _iso(a.since or now), "in_state": round(now - a.since, 1) if a.since else 0.0,
            "calls_today": a.calls, "skills": sorted(a.skills),
            "call": None if call is None else {
                "uniqueid": call.id, "caller": call.caller, "language": call.language,
                "wait": round((call.answered_at or now) - call.arrived, 1),
                "channel": call.channel,
            },
        })
    waiting: list[dict[str, Any]] = [
        {"uniqueid": c.id, "caller": c.caller, "language": c.language, "position": i + 1,
         "since": _iso(c.arrived), "wait": round(now - c.arrived, 1)}
        for i, c in enumerate(acd.waiting())
    ]
    return {"agents": agents, "waiting": waiting,
            "stats": stats.as_dict(max((float(w["wait"]) for w in waiting), default=0.0))}
