"""The engine's router: numbers, hours and the IVR menus over the call's own
FastAGI session (``router = ivr``), or every call straight to an operator
(``router = direct``).  Either way the answer is one ``dialplan.outcome.Outcome``."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dialplan.outcome import Outcome, straight_to_operator
from ivr.prompts import PromptLibrary

StatusLookup = Callable[[str], Awaitable[str | None]]
WallClock = Callable[[], datetime]


async def direct(agi: Any) -> Outcome:
    """The router when no configuration is loaded: every call to an operator."""
    return straight_to_operator()


# -- the IVR's clock ------------------------------------------------------------------
def parse_at(at: str, tz: str = "Europe/Belgrade") -> datetime:
    """--at: ISO time; without an offset it is Belgrade local time."""
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        raise ValueError(f"--at {at!r} is not an ISO time (e.g. 2027-03-02T10:00)") from None
    return when if when.tzinfo else when.replace(tzinfo=ZoneInfo(tz))


def next_working_day_at_ten(config: Any) -> datetime:
    """The demo's default clock: the next open working day at 10:00 local."""
    from dialplan.calendar import check

    tz = ZoneInfo(config.timezone)
    day = datetime.now(tz).replace(hour=10, minute=0, second=0, microsecond=0)
    for _ in range(30):
        if check(config.hours, day, config.timezone).open:
            return day
        day += timedelta(days=1)
    return day


def moving_clock(start: datetime | None) -> WallClock:
    """Real time, or a clock that starts at ``start`` and runs at real speed."""
    if start is None:
        return lambda: datetime.now(UTC)
    t0 = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - t0)


def ivr_clock(at: str | None, config: Any) -> WallClock:
    """``auto`` (the demo: a working day at 10:00 whatever the real hour), an
    ISO time, or the real clock."""
    if at == "auto":
        return moving_clock(next_working_day_at_ten(config))
    return moving_clock(parse_at(at, config.timezone) if at else None)


# -- the IVR ----------------------------------------------------------------------------
async def no_tickets(number: str) -> str | None:
    """The status lookup of an engine without tickets: "no such request"."""
    return None


def ignore(outcome: Any) -> None:
    return None


@dataclass
class IvrRouter:
    """Numbers, hours and the menus, run over the call's own FastAGI session."""

    holder: Any  # dialplan.holder.ConfigHolder
    prompts: PromptLibrary
    clock: WallClock
    ticket_status: StatusLookup = no_tickets
    on_outcome: Callable[[Any], None] = ignore  # a tap for tests and monitoring

    async def __call__(self, agi: Any) -> Outcome:
        from ivr.agi import run_ivr  # the IVR's FastAGI side, only with router = ivr

        config = self.holder.current  # the call keeps the configuration it started with
        out = await run_ivr(agi, config, caller=agi.caller, dialled=agi.dialled,
                            at=self.clock(), prompts=self.prompts,
                            ticket_status=self.ticket_status, defer_farewell=True)
        self.on_outcome(out)
        return out
