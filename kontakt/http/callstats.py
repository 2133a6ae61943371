"""Call figures for the wallboard: today's from the engine's snapshot, past
days and hours from the engine's own durable event log (``call_events``,
written before anything is published, so the figures do not depend on the
HTTP service having been up).  The arithmetic (``today``, ``aggregate``) is
pure.

``call_log`` (revision 0003) was this module's own copy of the outcomes fed
from MQTT; it is kept for old databases and no longer written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Float, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base

CITY_TZ = ZoneInfo("Europe/Belgrade")
SERVICE_LEVEL_SECONDS = 20.0
OUTCOMES = {"call.connected": "answered", "call.abandoned": "abandoned",
            "call.rejected": "rejected"}


class CallLogRow(Base):
    __tablename__ = "call_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uniqueid: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    wait: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    agent: Mapped[str | None] = mapped_column(String(32), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)


@dataclass(frozen=True)
class Outcome:
    at: datetime
    outcome: str
    wait: float


def _rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def today(snapshot: dict[str, Any], ticket_counts: Any, now: datetime) -> dict[str, Any]:
    st = snapshot.get("stats", {}) or {}
    waiting = snapshot.get("waiting", []) or []
    answered, abandoned = st.get("answered", 0), st.get("abandoned", 0)
    agents = []
    for a in snapshot.get("agents", []) or []:
        since = a.get("since")
        try:
            in_state = max(0.0, (now - datetime.fromisoformat(since)).total_seconds())
        except (TypeError, ValueError):
            in_state = None
        agents.append({"id": a.get("id"), "state": a.get("state"), "reason": a.get("reason"),
                       "since": since, "in_state": in_state,
                       "calls_today": a.get("calls_today", 0)})
    return {
        "at": now.isoformat(),
        "agents": agents,
        "waiting": len(waiting),
        "longest_wait": max([w.get("wait", 0) for w in waiting] + [st.get("max_wait_now", 0)]),
        "offered": st.get("offered", 0),
        "answered": answered,
        "abandoned": abandoned,
        "rejected": st.get("rejected", 0),
        "service_level": _rate(st.get("answered_within_20s", 0), answered + abandoned),
        "asa": st.get("avg_answer_wait"),
        "abandon_rate": _rate(abandoned, answered + abandoned),
        "tickets": ticket_counts,
    }


def aggregate(rows: Iterable[Outcome], by: str = "day") -> list[dict[str, Any]]:
    fmt = "%Y-%m-%d" if by == "day" else "%Y-%m-%d %H:00"
    buckets: dict[str, dict[str, Any]] = {}
    for r in rows:
        key = r.at.astimezone(CITY_TZ).strftime(fmt)
        b = buckets.setdefault(key, {"period": key, "answered": 0, "abandoned": 0,
                                     "rejected": 0, "within_20s": 0, "_wait": 0.0})
        b[r.outcome] += 1
        if r.outcome == "answered":
            b["_wait"] += r.wait
            b["within_20s"] += r.wait <= SERVICE_LEVEL_SECONDS
    out = []
    for key in sorted(buckets):
        b = buckets[key]
        handled = b["answered"] + b["abandoned"]
        out.append({"period": key, "offered": handled + b["rejected"], "answered": b["answered"],
                    "abandoned": b["abandoned"], "rejected": b["rejected"],
                    "service_level": _rate(b["within_20s"], handled),
                    "asa": round(b["_wait"] / b["answered"], 2) if b["answered"] else None,
                    "abandon_rate": _rate(b["abandoned"], handled)})
    return out


async def record(sessionmaker: Any, event: dict[str, Any]) -> bool:
    """Legacy: store one outcome in ``call_log`` (kept for old deployments)."""
    outcome = OUTCOMES.get(str(event.get("type")))
    if outcome is None or not event.get("uniqueid"):
        return False
    try:
        at = datetime.fromisoformat(str(event.get("ts")))
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
    except ValueError:
        at = datetime.now(UTC)
    try:
        wait = float(event.get("wait") or 0.0)
    except (TypeError, ValueError):
        wait = 0.0
    async with sessionmaker() as s, s.begin():
        s.add(CallLogRow(uniqueid=str(event["uniqueid"])[:64], outcome=outcome, wait=wait,
                         agent=(str(event["agent"])[:32] if event.get("agent") else None), at=at))
    return True


async def load(sessionmaker: Any, now: datetime, days: int) -> list[Outcome]:
    """Outcomes of the last ``days`` days from the engine's ``call_events``."""
    from kontakt.eventlog import CallEvent

    since = now - timedelta(days=days)
    q = select(CallEvent.ts, CallEvent.type, CallEvent.payload).where(
        CallEvent.ts >= since, CallEvent.type.in_(list(OUTCOMES)))
    async with sessionmaker() as s:
        rows = (await s.execute(q)).all()
    return [Outcome(ts if ts.tzinfo else ts.replace(tzinfo=UTC), OUTCOMES[type_],
                    _wait(payload)) for ts, type_, payload in rows]


def _wait(payload: str) -> float:
    try:
        return float(json.loads(payload).get("wait") or 0.0)
    except (ValueError, TypeError, AttributeError):
        return 0.0
