"""Staffing from the recorded history: per half hour of the working day the
calls offered (answered + abandoned, from the engine's ``call_events``, the
same log the wallboard's figures read), their average handle time (talk,
plus the wrap-up setting) and, by Erlang C (``acd.erlang``), the operators
needed to answer the target share within the target time.

``history`` averages over the days of the range that had calls; ``now``
takes the last 30 minutes as the live load, for the wallboard's
"operators needed now" against the operators logged in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from acd.erlang import agents_needed, service_level

HALF_HOUR = 1800.0
DEFAULT_AHT = 180.0  # seconds, when no call was completed yet
OFFERED = ("call.connected", "call.abandoned")


@dataclass(frozen=True)
class Slot:
    start: time
    offered: float          # calls per day in this half hour (average over the days)
    aht: float              # seconds
    needed: int             # operators, Erlang C
    service_level: float | None  # expected with that many operators

    def to_dict(self) -> dict[str, Any]:
        return {"slot": f"{self.start:%H:%M}", "offered": round(self.offered, 2),
                "aht": round(self.aht, 1), "needed": self.needed,
                "service_level": None if self.service_level is None
                else round(self.service_level, 3)}


def slots(first: time = time(7, 30), last: time = time(15, 30)) -> list[time]:
    out, t = [], datetime.combine(date(2000, 1, 1), first)
    while t.time() < last:
        out.append(t.time())
        t += timedelta(minutes=30)
    return out


def _slot_of(local: datetime) -> time:
    return time(local.hour, 0 if local.minute < 30 else 30)


@dataclass(frozen=True)
class Record:
    at: datetime
    type: str
    talk: float | None
    callback: bool


async def load(sessionmaker: Any, since: datetime, until: datetime) -> list[Record]:
    from kontakt.eventlog import CallEvent

    q = select(CallEvent.ts, CallEvent.type, CallEvent.payload).where(
        CallEvent.ts >= since, CallEvent.ts < until,
        CallEvent.type.in_([*OFFERED, "call.completed"]))
    async with sessionmaker() as s:
        rows = (await s.execute(q)).all()
    out = []
    for ts, type_, payload in rows:
        try:
            p = json.loads(payload)
        except ValueError:
            p = {}
        talk = p.get("talk")
        out.append(Record(ts if ts.tzinfo else ts.replace(tzinfo=UTC), type_,
                          float(talk) if isinstance(talk, int | float) else None,
                          bool(p.get("callback"))))
    return out


def table(records: list[Record], *, tz: str = "Europe/Belgrade", wrapup: float = 0.0,
          target: float = 0.8, answer_within: float = 20.0,
          day_slots: list[time] | None = None) -> tuple[list[Slot], int]:
    """One row per half hour; and the number of days the averages are over."""
    zone = ZoneInfo(tz)
    wanted = day_slots or slots()
    offered: dict[time, int] = {s: 0 for s in wanted}
    talks: dict[time, list[float]] = {s: [] for s in wanted}
    days: set[date] = set()
    for r in records:
        local = r.at.astimezone(zone)
        slot = _slot_of(local)
        if r.type in OFFERED and not r.callback:
            days.add(local.date())
            if slot in offered:
                offered[slot] += 1
        elif r.type == "call.completed" and r.talk is not None and slot in talks:
            talks[slot].append(r.talk)
    all_talk = [x for v in talks.values() for x in v]
    overall = sum(all_talk) / len(all_talk) if all_talk else DEFAULT_AHT
    n_days = max(1, len(days))
    out = []
    for s in wanted:
        aht = (sum(talks[s]) / len(talks[s]) if talks[s] else overall) + wrapup
        per_day = offered[s] / n_days
        need = agents_needed(per_day, HALF_HOUR, aht, target, answer_within)
        sl = service_level(need, per_day * aht / HALF_HOUR, aht, answer_within) if need else None
        out.append(Slot(s, per_day, aht, need, sl))
    return out, len(days)


def needed_now(records: list[Record], now: datetime, *, wrapup: float = 0.0,
               target: float = 0.8, answer_within: float = 20.0) -> dict[str, Any]:
    """The last 30 minutes' calls as the load of the next 30."""
    since = now - timedelta(seconds=HALF_HOUR)
    offered = sum(1 for r in records if r.type in OFFERED and not r.callback and r.at >= since)
    talks = [r.talk for r in records if r.type == "call.completed" and r.talk is not None]
    aht = (sum(talks) / len(talks) if talks else DEFAULT_AHT) + wrapup
    return {"offered_last_30_min": offered, "aht": round(aht, 1),
            "needed": agents_needed(offered, HALF_HOUR, aht, target, answer_within)}
