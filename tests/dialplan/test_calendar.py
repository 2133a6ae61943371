"""Working hours: weekly spans, every Serbian public holiday of 2026 and 2027,
the days off moved from a Sunday, administrator closures and special days."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from dialplan.calendar import check, day_spans
from dialplan.loader import load_config
from dialplan.model import Hours, Span, SpecialDay

TZ = "Europe/Belgrade"
HOURS = load_config().hours

# Every day off the law gives in 2026 and 2027 (Закон о државним и другим
# празницима): New Year 1-2 Jan, Orthodox Christmas 7 Jan, Statehood Day
# 15-16 Feb, Orthodox Good Friday to Easter Monday, Labour Day 1-2 May,
# Armistice Day 11 Nov, and the Monday/Tuesday after a holiday on a Sunday.
HOLIDAYS_2026 = ["2026-01-01", "2026-01-02", "2026-01-07", "2026-02-15", "2026-02-16",
                 "2026-02-17",  # Statehood Day fell on a Sunday
                 "2026-04-10", "2026-04-11", "2026-04-12", "2026-04-13",  # Good Friday..Monday
                 "2026-05-01", "2026-05-02", "2026-11-11"]
HOLIDAYS_2027 = ["2027-01-01", "2027-01-02", "2027-01-07", "2027-02-15", "2027-02-16",
                 "2027-04-30", "2027-05-01", "2027-05-02", "2027-05-03",  # Good Friday..Monday
                 "2027-05-04",  # Labour Day's second day fell on Sunday (Easter)
                 "2027-11-11"]


def at(s: str) -> datetime:
    return datetime.fromisoformat(s)  # naive: Belgrade local time


@pytest.mark.parametrize("day", HOLIDAYS_2026 + HOLIDAYS_2027)
def test_every_public_holiday_is_closed_all_day(day):
    for t in ("07:30", "10:00", "15:29:59"):
        v = check(HOURS, at(f"{day}T{t}"), TZ)
        assert not v.open, (day, t, v.reason)
    assert "public holiday" in check(HOURS, at(f"{day}T10:00"), TZ).reason \
        or date.fromisoformat(day).weekday() >= 5


def test_no_other_weekday_is_a_holiday():
    listed = {date.fromisoformat(d) for d in HOLIDAYS_2026 + HOLIDAYS_2027}
    special = {s.day for s in HOURS.special}
    d = date(2026, 1, 1)
    while d.year < 2028:
        if d.weekday() < 5 and d not in listed and d not in special:
            assert check(HOURS, datetime.combine(d, time(10)), TZ).open, d
        d += timedelta(days=1)


@pytest.mark.parametrize(("t", "is_open"), [("07:29:59", False), ("07:30:00", True),
                                            ("15:29:59", True), ("15:30:00", False),
                                            ("00:00", False), ("23:59:59", False)])
def test_boundaries_of_a_working_day(t, is_open):
    assert check(HOURS, at(f"2026-12-01T{t}"), TZ).open is is_open  # a Tuesday


def test_weekend_is_closed():
    assert not check(HOURS, at("2026-11-28T10:00"), TZ).open  # Saturday
    assert "sun is not a working day" in check(HOURS, at("2026-11-29T10:00"), TZ).reason


def test_aware_times_are_converted_to_belgrade_time():
    # 06:30 UTC is 07:30 in Belgrade in winter (CET) and 08:30 in summer (CEST).
    assert check(HOURS, datetime(2026, 12, 1, 6, 30, tzinfo=UTC), TZ).open
    assert not check(HOURS, datetime(2026, 12, 1, 6, 29, 59, tzinfo=UTC), TZ).open
    assert check(HOURS, datetime(2026, 7, 1, 5, 30, tzinfo=UTC), TZ).open
    assert not check(HOURS, datetime(2026, 7, 1, 13, 30, tzinfo=UTC), TZ).open


def test_special_days_win_over_holidays_and_the_week():
    week = tuple((Span(time(7, 30), time(15, 30)),) if i < 5 else () for i in range(7))
    hours = Hours(week, "RS", (
        SpecialDay(date(2026, 12, 2), (), "инвентар"),                       # a Wednesday
        SpecialDay(date(2026, 11, 28), (Span(time(9), time(12)),), "акција"),  # a Saturday
        SpecialDay(date(2026, 11, 11), (Span(time(8), time(10)),), "дежурство"),  # a holiday
    ))
    assert not check(hours, at("2026-12-02T10:00"), TZ).open
    assert "closure on 2026-12-02: инвентар" in check(hours, at("2026-12-02T10:00"), TZ).reason
    assert check(hours, at("2026-11-28T09:00"), TZ).open
    assert not check(hours, at("2026-11-28T12:00"), TZ).open
    assert check(hours, at("2026-11-11T09:59:59"), TZ).open
    assert day_spans(hours, date(2026, 11, 11))[0] == (Span(time(8), time(10)),)


def test_default_special_hours():
    assert check(HOURS, at("2026-12-31T11:59"), TZ).open
    assert not check(HOURS, at("2026-12-31T12:00"), TZ).open


def test_open_until_midnight(minimal):
    from dialplan.loader import parse_config

    cfg = parse_config(minimal.replace("mon-fri: 07:30-15:30", "mon-sun: 00:00-24:00"))
    assert str(cfg.hours.weekly[6][0]) == "00:00-24:00"
    assert check(cfg.hours, at("2026-11-29T23:59:59"), TZ).open  # a Sunday
    assert not check(cfg.hours, at("2026-11-11T12:00"), TZ).open  # still a holiday
