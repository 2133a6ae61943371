"""The working-hours clock of the deadlines: the city's calendar (07:30-15:30
on working days, Serbian public holidays and moved days off, closures), and
the ``deadlines:`` section of the configuration with its line numbers."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dialplan.loader import check_text, load_config
from dialplan.workclock import AlwaysOpen, WorkClock

TZ = ZoneInfo("Europe/Belgrade")
CLOCK = WorkClock(load_config().hours, "Europe/Belgrade")
H = 3600.0


def local(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=TZ)


def test_friday_15_00_with_4_working_hours_is_due_monday_11_00():
    assert CLOCK.add(local("2027-03-05T15:00"), 4 * H) == local("2027-03-08T11:00")


def test_the_due_time_is_the_same_moment_given_in_utc():
    start = local("2027-03-05T15:00").astimezone(UTC)
    due = CLOCK.add(start, 4 * H)
    assert due == local("2027-03-08T11:00") and due.tzinfo == UTC


def test_across_a_public_holiday():
    # Armistice Day, Thursday 11 November 2027: Wednesday 14:30 + 4 h is
    # 1 h on Wednesday, nothing on Thursday, 3 h on Friday.
    assert CLOCK.add(local("2027-11-10T14:30"), 4 * H) == local("2027-11-12T10:30")
    # Statehood Day, Monday and Tuesday 15-16 February 2027.
    assert CLOCK.add(local("2027-02-12T15:00"), 4 * H) == local("2027-02-17T11:00")


def test_across_a_day_off_moved_from_a_sunday():
    # Statehood Day 2026 fell on Sunday the 15th: Monday 16 and Tuesday 17 are off.
    assert CLOCK.add(local("2026-02-13T15:00"), 4 * H) == local("2026-02-18T11:00")


def test_across_an_administrator_closure_and_special_hours():
    # 31 Dec 2026 closes at 12:00 (special hours), 1-2 Jan (Friday, Saturday)
    # are holidays, then Sunday; Thursday 7 Jan is Christmas.
    assert CLOCK.add(local("2026-12-31T11:00"), 2 * H) == local("2027-01-04T08:30")
    assert CLOCK.add(local("2027-01-06T15:00"), 1 * H) == local("2027-01-08T08:00")
    # 1 Feb 2027, an administrator's closure (Monday).
    assert CLOCK.add(local("2027-01-29T15:00"), 1 * H) == local("2027-02-02T08:00")


def test_opened_outside_hours_starts_at_the_next_opening():
    assert CLOCK.add(local("2027-03-06T10:00"), 1 * H) == local("2027-03-08T08:30")  # Saturday
    assert CLOCK.add(local("2027-03-08T06:00"), 0.5 * H) == local("2027-03-08T08:00")
    assert CLOCK.add(local("2027-03-08T15:30"), 1 * H) == local("2027-03-09T08:30")


def test_seconds_between_counts_only_working_time():
    assert CLOCK.seconds_between(local("2027-03-05T15:00"), local("2027-03-08T11:00")) == 4 * H
    assert CLOCK.seconds_between(local("2027-11-10T07:30"), local("2027-11-12T15:30")) == 16 * H
    assert CLOCK.seconds_between(local("2027-03-06T00:00"), local("2027-03-07T23:59")) == 0
    assert CLOCK.seconds_between(local("2027-03-08T12:00"), local("2027-03-08T11:00")) == 0


@pytest.mark.parametrize("start", ["2027-03-05T15:00", "2027-11-10T09:13", "2026-12-31T11:59"])
def test_add_and_seconds_between_agree(start):
    s = local(start)
    for hours in (0.25, 1, 4, 8, 17.5, 40):
        assert CLOCK.seconds_between(s, CLOCK.add(s, hours * H)) == pytest.approx(hours * H)


def test_always_open_counts_every_second():
    t = datetime(2027, 3, 6, 3, 0, tzinfo=UTC)  # a Saturday night
    assert AlwaysOpen().add(t, 90) == t + timedelta(seconds=90)
    assert AlwaysOpen().seconds_between(t, t + timedelta(minutes=2)) == 120


# -- the deadlines: section ------------------------------------------------------

def test_shipped_deadlines_most_specific_first():
    dl = load_config().deadlines
    assert dl.for_ticket("vodovod", "complaint").resolution_hours == 16
    assert dl.for_ticket("vodovod", "request").resolution_hours == 24
    assert dl.for_ticket("gsp", "request").response_hours == 8
    assert dl.scaled(0.5).for_ticket("vodovod", "complaint").response_hours == 1


def _with(deadlines: str) -> list[str]:
    base = load_config().text
    head = base[:base.index("\ndeadlines:")]
    text = head + "\n" + deadlines
    offset = head.count("\n") + 2  # the line of "deadlines:" is 0
    return [f"{i.line - offset}: {i.message}" for i in check_text(text, "c.yaml")]


def test_bad_deadlines_are_reported_with_their_lines():
    problems = _with("deadlines:\n"
                     "  default: {response: 8}\n"
                     "  nowhere: {default: {response: 1, resolution: 2}}\n"
                     "  vodovod:\n"
                     "    complaint: {response: 4, resolution: 2}\n"
                     "    bogus: {response: 1, resolution: 2}\n"
                     "    request: {response: -1, resolution: 2}\n"
                     "    default: {response: x, resolution: 2}\n")
    assert problems == [
        "1: deadlines.default: missing 'resolution'",
        "2: deadlines: 'nowhere' is not a department id (nor default)",
        "4: deadlines.vodovod.complaint: resolution 2 is shorter than response 4",
        "5: deadlines.vodovod: 'bogus' is not a kind (complaint, request, suggestion, "
        "information, callback, or default)",
        "6: deadlines.vodovod.request: response (working hours): -1 must be at least 0",
        "7: deadlines.vodovod.default: response (working hours): 'x' is not a number",
    ]
