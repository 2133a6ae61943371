"""Readiness: is this kontakt able to serve calls and tickets right now?

``Readiness`` runs its probes (given through the constructor, name -> async
callable returning a ``Check``) side by side, each with a timeout; a probe
that raises or hangs is a failed check naming its error, never an
exception for the caller.  ``/readyz``, ``/metrics`` and ``kontakt status``
all read the same ``Report``.

``readiness_for(system)`` builds the probes of a bootstrapped ``System``:
AMI connected and Asterisk fully booted, FastAGI listening, database
reachable, broker connected (the outbox publisher's ``connected``), outbox
backlog and the age of its oldest row, notification backlog.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    # Figures for /metrics, by Prometheus metric name (e.g. kontakt_outbox_backlog).
    figures: Mapping[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail,
                "figures": dict(self.figures)}


@dataclass(frozen=True)
class Report:
    checks: tuple[Check, ...]

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def not_ready(self) -> list[str]:
        return [c.name for c in self.checks if not c.ok]

    def as_dict(self) -> dict[str, Any]:
        return {"ready": self.ready, "not_ready": self.not_ready,
                "checks": [c.as_dict() for c in self.checks]}


Probe = Callable[[], Awaitable[Check]]


class Readiness:
    def __init__(self, probes: Mapping[str, Probe], *, timeout: float = 2.0) -> None:
        self.probes = dict(probes)
        self.timeout = timeout

    async def check(self) -> Report:
        results = await asyncio.gather(*(self._run(n, p) for n, p in self.probes.items()))
        return Report(tuple(results))

    async def _run(self, name: str, probe: Probe) -> Check:
        try:
            result = await asyncio.wait_for(probe(), self.timeout)
        except TimeoutError:
            return Check(name, False, f"no answer within {self.timeout:g} s")
        except Exception as e:  # a broken probe is a failed check, not a 500
            first = (str(e).splitlines() or [""])[0]
            return Check(name, False, f"{type(e).__name__}: {first}"[:300])
        if result.name != name:  # one name per check, whatever the probe said
            result = Check(name, result.ok, result.detail, result.figures)
        return result


# -- the probes of a running system -------------------------------------------------------


def ami_probe(ami: Any) -> Probe:
    async def probe() -> Check:
        # ``booted`` is set on FullyBooted and cleared on any disconnect.
        ok = ami.booted.is_set()
        return Check("ami", ok, "connected, Asterisk fully booted" if ok
                     else "not connected or Asterisk not fully booted")
    return probe


def agi_probe(agi: Any) -> Probe:
    async def probe() -> Check:
        server = agi.server
        ok = server is not None and server.is_serving()
        where = f"{agi.host}:{agi.port}"
        return Check("fastagi", ok, f"listening on {where}" if ok else f"not listening ({where})")
    return probe


def database_probe(sessionmaker: Any) -> Probe:
    async def probe() -> Check:
        async with sessionmaker() as session:
            await session.execute(text("SELECT 1"))
        return Check("database", True, "reachable")
    return probe


def broker_probe(outbox: Any) -> Probe:
    async def probe() -> Check:
        ok = bool(outbox.connected)
        where = f"{outbox.host}:{outbox.port}"
        return Check("broker", ok, f"connected to {where}" if ok
                     else f"not connected to MQTT broker at {where}")
    return probe


def outbox_probe(sessionmaker: Any, max_age: float,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Probe:
    """Not ready when the oldest undelivered event waits longer than ``max_age``."""
    from infra.outbox import OutboxRow

    async def probe() -> Check:
        async with sessionmaker() as session:
            n, oldest = (await session.execute(
                select(func.count(), func.min(OutboxRow.created_at))
                .where(OutboxRow.published_at.is_(None)))).one()
        age = _age(oldest, now())
        ok = age <= max_age
        detail = f"{n} undelivered, oldest {age:.0f} s" + ("" if ok else f" (> {max_age:g} s)")
        return Check("outbox", ok, detail, {"kontakt_outbox_backlog": float(n or 0),
                                            "kontakt_outbox_oldest_seconds": age})
    return probe


def notifications_probe(sessionmaker: Any,
                        now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Probe:
    """A figure, not a gate: citizens' mail and SMS wait and retry by design."""
    from tickets.notify.jobs import Notification
    from tickets.notify.policy import PENDING

    async def probe() -> Check:
        async with sessionmaker() as session:
            n, oldest = (await session.execute(
                select(func.count(), func.min(Notification.created_at))
                .where(Notification.status == PENDING))).one()
        age = _age(oldest, now())
        return Check("notifications", True, f"{n} pending, oldest {age:.0f} s",
                     {"kontakt_notifications_pending": float(n or 0),
                      "kontakt_notifications_oldest_seconds": age})
    return probe


def _age(oldest: datetime | None, now: datetime) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # SQLite gives naive datetimes back; they were written in UTC
        oldest = oldest.replace(tzinfo=UTC)
    return max(0.0, (now - oldest).total_seconds())


def readiness_for(system: Any) -> Readiness:
    """The probes of a bootstrapped ``kontakt.bootstrap.System``."""
    probes: dict[str, Probe] = {"ami": ami_probe(system.ami),
                                "fastagi": agi_probe(system.engine.agi)}
    if system.sessionmaker is not None:
        probes["database"] = database_probe(system.sessionmaker)
    if system.outbox is not None:
        probes["broker"] = broker_probe(system.outbox)
        probes["outbox"] = outbox_probe(system.sessionmaker,
                                        system.settings.ready_outbox_max_age)
        probes["notifications"] = notifications_probe(system.sessionmaker)
    return Readiness(probes, timeout=system.settings.ready_timeout)
