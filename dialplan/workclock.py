"""The working-hours clock: how much working time lies between two moments
and when a number of working seconds has passed, on the city's calendar
(``dialplan.calendar.day_spans``: the weekly hours, Serbian public holidays
with the moved days off, the administrator's closures and special days).

Pure arithmetic, no I/O.  A deadline of 4 working hours opened on Friday at
15:00 (hours 07:30-15:30) has 30 minutes on Friday and is due on Monday at
11:00.  Time outside the spans does not count; DST is handled by working in
the configured time zone day by day.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dialplan.calendar import day_spans
from dialplan.model import Hours

HORIZON_DAYS = 3660  # ten years: a calendar without any working day is refused, not looped on


class NoWorkingTime(ValueError):
    code = "calendar.no_working_time"


@dataclass(frozen=True)
class WorkClock:
    """The city's working hours in its time zone."""

    hours: Hours
    timezone: str = "Europe/Belgrade"

    def _windows(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working windows (aware, local) from ``start``'s day on."""
        tz = ZoneInfo(self.timezone)
        day = start.astimezone(tz).date()
        for i in range(HORIZON_DAYS):
            d = day + timedelta(days=i)
            spans, _ = day_spans(self.hours, d)
            for s in spans:
                yield _at(d, s.start, tz), _end(d, s.end, tz)

    def seconds_between(self, a: datetime, b: datetime) -> float:
        """Working seconds in [a, b) (0 when b <= a)."""
        if b <= a:
            return 0.0
        total = 0.0
        for lo, hi in self._windows(a):
            if lo >= b:
                break
            total += max(0.0, (min(hi, b) - max(lo, a)).total_seconds())
        return total

    def add(self, start: datetime, seconds: float) -> datetime:
        """The moment ``seconds`` working seconds after ``start``."""
        left = max(0.0, float(seconds))
        for lo, hi in self._windows(start):
            lo = max(lo, start)
            if hi <= lo:
                continue
            room = (hi - lo).total_seconds()
            if left <= room:
                return (lo + timedelta(seconds=left)).astimezone(start.tzinfo)
            left -= room
        raise NoWorkingTime(f"no working time within {HORIZON_DAYS} days of {start:%Y-%m-%d}")


class AlwaysOpen:
    """Every second counts (the demo's compressed clock, tests)."""

    def seconds_between(self, a: datetime, b: datetime) -> float:
        return max(0.0, (b - a).total_seconds())

    def add(self, start: datetime, seconds: float) -> datetime:
        return start + timedelta(seconds=max(0.0, float(seconds)))


def _at(d: date, t: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, t, tzinfo=tz)


def _end(d: date, t: time, tz: ZoneInfo) -> datetime:
    if t == time.max:  # a span that runs to 24:00
        return datetime.combine(d + timedelta(days=1), time(0), tzinfo=tz)
    return datetime.combine(d, t, tzinfo=tz)
