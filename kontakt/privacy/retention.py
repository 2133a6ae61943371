"""The retention job: once a day, citizens' personal data older than the
retention period (setting ``retention_days``) is anonymised, and what was
done is logged and written to the audit log.

* tickets that are finished (resolved, cancelled, closed) and unchanged
  for ``retention_days``: anonymised (``kontakt.privacy.anonymise``);
  open tickets keep their contact details, since the citizen is still
  owed an answer;
* call events older than the period: the caller's number blanked;
* outbox rows already published and older than the period: deleted.

The job takes its dependencies in the constructor and either runs once
(``run_once``, also ``kontakt privacy retention``) or daily until stopped
(``run(stop)``, or ``start()``/``stop()``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from infra.logs import get_logger
from infra.outbox import OutboxRow
from kontakt.privacy.anonymise import EVENTS, FINAL, TICKETS, anonymise_tickets, scrub_events
from kontakt.privacy.audit import AuditLog, Entry

log = get_logger()
DAY = 24 * 3600.0
BATCH = 500


@dataclass(frozen=True)
class RetentionReport:
    cutoff: datetime
    tickets: int
    call_events: int
    outbox_rows: int
    recordings: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"cutoff": self.cutoff.isoformat(), "tickets": self.tickets,
                "call_events": self.call_events, "outbox_rows": self.outbox_rows,
                "recordings": self.recordings}


class RetentionJob:
    def __init__(self, sessionmaker: Any, retention_days: int, *,
                 audit: AuditLog | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 every: float = DAY, recording_days: int | None = None) -> None:
        if retention_days < 1:
            raise ValueError("retention_days must be >= 1")
        self.sessionmaker, self.days = sessionmaker, retention_days
        self.now, self.every = now, every
        self.recording_days = recording_days  # recordings deleted after these days
        self.audit = audit or AuditLog(sessionmaker, now=now)
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> RetentionReport:
        now = self.now()
        cutoff = now - timedelta(days=self.days)
        numbers = await self._tickets(now, cutoff)
        async with self.sessionmaker() as s, s.begin():
            events = await scrub_events(s, EVENTS.c.ts < cutoff)
            gone = await s.execute(delete(OutboxRow).where(OutboxRow.published_at.is_not(None))
                                   .where(OutboxRow.published_at < cutoff))
        outbox = int(getattr(gone, "rowcount", 0) or 0)
        recordings = 0
        if self.recording_days is not None:
            from kontakt.recordings import purge

            recordings = await purge(self.sessionmaker, self.recording_days, now)
        report = RetentionReport(cutoff, len(numbers), events, outbox, recordings)
        await self.audit.record([Entry("retention", "system", "retention.run", None,
                                       f"older than {self.days} days", None,
                                       {**report.to_dict(), "numbers": numbers[:1000]})])
        log.info("retention.ran", days=self.days, **report.to_dict())
        return report

    async def _tickets(self, now: datetime, cutoff: datetime) -> list[str]:
        done: list[str] = []
        while True:  # in batches: one short transaction each
            async with self.sessionmaker() as s, s.begin():
                ids = (await s.scalars(
                    select(TICKETS.c.id).where(TICKETS.c.anonymised_at.is_(None))
                    .where(TICKETS.c.status.in_(FINAL)).where(TICKETS.c.updated_at < cutoff)
                    .order_by(TICKETS.c.id).limit(BATCH))).all()
                done += await anonymise_tickets(s, list(ids), at=now, actor="retention",
                                                role="system",
                                                why=f"retention: {self.days} days")
            if len(ids) < BATCH:
                return done

    async def run(self, stop: asyncio.Event) -> None:
        """Once now, then every ``every`` seconds until ``stop`` is set.  A
        failed run is logged and tried again at the next turn."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception as e:  # the database may be away: next turn
                log.error("retention.failed", error=type(e).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.every)

    async def start(self) -> None:
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self.run(self._stop))

    async def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, 10)


async def start_retention(system: Any) -> Callable[[], Any]:
    """An ``Options.extras`` entry (kontakt.bootstrap) for ``kontakt run``:
    the daily job on the system's database; returns its stop."""
    job = RetentionJob(system.sessionmaker, system.settings.retention_days,
                       recording_days=system.settings.recording_days)
    await job.start()
    return job.stop
