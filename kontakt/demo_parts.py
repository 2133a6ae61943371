"""What `kontakt demo` adds to the system: a local mail server for the
citizens' notifications, simulated operators and department staff (the
desk), and the summary's ticket and event figures, read back from the
database, not counted in memory."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from kontakt.bootstrap import Stop, System
from kontakt.demo_desk import DemoDesk, MailSink
from kontakt.settings import Settings

FALLBACK_DEPARTMENTS = ["vodovod", "cistoca", "zelenilo"]
# The demo's day is compressed: a working hour of a deadline lasts this many
# real seconds, and every second counts (the demo runs whatever the hour).
DEMO_SECONDS_PER_HOUR = 2.0
DEMO_OVERDUE_EVERY = 2.0


def demo_sla(settings: Settings, seconds_per_hour: float = DEMO_SECONDS_PER_HOUR) -> Any:
    """The configuration's deadlines, compressed: 8 working hours are 16 s."""
    from dialplan.loader import load_config
    from dialplan.workclock import AlwaysOpen
    from tickets.sla import SlaPolicy

    deadlines = load_config(settings.config or None).deadlines
    return SlaPolicy(deadlines.scaled(seconds_per_hour / 3600.0), AlwaysOpen())


def with_mail(settings: Settings) -> tuple[Settings, MailSink]:
    """The demo's settings pointed at a private SMTP server (aiosmtpd)."""
    mail = MailSink()
    if mail.start():
        settings = settings.replace(smtp_host="127.0.0.1", smtp_port=mail.port,
                                    smtp_from="kontakt-centar@novisad.example")
    return settings, mail


class Desk:
    """The demo desk as a system part: built from the system, started
    before the engine, stopped after it."""

    def __init__(self, seed: int, transferring: frozenset[str] | None = None) -> None:
        self.seed, self.transferring = seed, transferring
        self.desk: DemoDesk | None = None
        self.system: System | None = None

    async def __call__(self, system: System) -> Stop:
        self.system = system
        holder = system.holder
        departments = [d.id for d in (holder.current.departments if holder else ())] \
            or FALLBACK_DEPARTMENTS
        self.desk = DemoDesk(system.tickets, system.publisher, departments,
                             rng=random.Random(self.seed), transfer_agents=self.transferring)
        self.desk.start()
        return self.desk.stop

    async def summary(self) -> dict[str, Any]:
        from sqlalchemy import func, select

        from kontakt.eventlog import CallEvent
        from tickets.notify.jobs import Notification

        assert self.system is not None and self.desk is not None
        system = self.system
        await self.desk.settle()
        for _ in range(40):  # let the notification worker send what is due
            async with system.sessionmaker() as s:
                pending = await s.scalar(
                    select(func.count()).select_from(Notification)
                    .where(Notification.status == "pending", Notification.channel == "email"))
            if not pending:
                break
            await asyncio.sleep(0.25)
        totals = await system.tickets.totals()
        follow = await system.tickets.followup_totals()
        await system.events.flush()
        async with system.sessionmaker() as s:
            sent = await s.scalar(select(func.count()).select_from(Notification)
                                  .where(Notification.status == "sent"))
            events = await s.scalar(select(func.count()).select_from(CallEvent))
        return {
            "tickets_opened": totals.get("opened", 0),
            "tickets_transferred": totals.get("transferred", 0),
            "tickets_resolved": totals.get("resolved", 0),
            "tickets_overdue": follow["overdue"],
            "tickets_returned": follow["returned"],
            "tickets_merged": follow["merged"],
            "notifications_sent": int(sent or 0),
            "events_logged": int(events or 0),
        }
