"""Working hours: weekly spans, public holidays, closures and special days.

Precedence, most specific first: a special day the administrator added
(closure or special hours) > a public holiday (``holidays`` package, with the
days off the law moves to when a holiday falls on a Sunday) > the weekly
schedule.  Spans are half-open: 07:30-15:30 is open at 07:30:00 and at
15:29:59, closed at 15:30:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from dialplan.model import WEEKDAYS, Hours, Span


@dataclass(frozen=True)
class Verdict:
    open: bool
    reason: str                 # in words an administrator understands
    spans: tuple[Span, ...]     # the day's opening hours (empty: closed all day)
    local: datetime             # the moment, in the configured time zone


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> dict[date, str]:
    return dict(holidays.country_holidays(country, years=year, language="en_US").items())


def public_holiday(country: str | None, day: date) -> str | None:
    """The holiday's name on that day, or None."""
    if country is None:
        return None
    return _public_holidays(country, day.year).get(day)


def check(hours: Hours, at: datetime, timezone: str) -> Verdict:
    """Whether the line is open at ``at`` (aware; naive means local time)."""
    tz = ZoneInfo(timezone)
    local = at.replace(tzinfo=tz) if at.tzinfo is None else at.astimezone(tz)
    day, now = local.date(), local.time().replace(tzinfo=None)
    spans, why = day_spans(hours, day)
    if any(s.contains(now) for s in spans):
        return Verdict(True, f"open: {why} {_fmt(spans)}", spans, local)
    if spans:
        return Verdict(False, f"closed: outside hours ({why} {_fmt(spans)})", spans, local)
    return Verdict(False, f"closed: {why}", spans, local)


def day_spans(hours: Hours, day: date) -> tuple[tuple[Span, ...], str]:
    """The opening spans of a date and why they are what they are."""
    for special in hours.special:
        if special.day == day:
            kind = "special hours" if special.spans else "closure"
            return special.spans, f"{kind} on {day.isoformat()}: {special.reason}".rstrip(": ")
    name = public_holiday(hours.holidays_country, day)
    if name:
        return (), f"public holiday {day.isoformat()} ({name})"
    weekday = WEEKDAYS[day.weekday()]
    spans = hours.weekly[day.weekday()]
    return spans, (f"{weekday} working hours" if spans else f"{weekday} is not a working day")


# Every call's verdict says the day's hours in words (the call's log lines
# carry it): the same few span tuples, formatted once each.
@lru_cache(maxsize=256)
def _fmt(spans: tuple[Span, ...]) -> str:
    return ", ".join(str(s) for s in spans)
