"""Erlang C against known values, and the staffing table per half hour."""

from datetime import UTC, datetime, time, timedelta

import pytest

from acd.erlang import agents_needed, average_wait, erlang_b, erlang_c, service_level
from kontakt.staffing import Record, needed_now, slots, table


def test_erlang_c_small_exact_values():
    # C(2, 1) = 1/3 and C(3, 2) = 4/9, from the closed formula.
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_c(2, 2.0) == 1.0 and erlang_c(5, 0) == 0.0


# The textbook example (200 calls an hour, 180 s handle time: 10 erlangs,
# 80% within 20 s): P(wait), service level and ASA per number of operators.
KNOWN = [(11, 0.6821, 0.3896, 122.8), (12, 0.4494, 0.6402, 40.4),
         (13, 0.2853, 0.7956, 17.1), (14, 0.1741, 0.8884, 7.8)]


@pytest.mark.parametrize(("n", "pw", "sl", "asa"), KNOWN)
def test_erlang_c_ten_erlangs(n, pw, sl, asa):
    assert erlang_c(n, 10.0) == pytest.approx(pw, abs=5e-5)
    assert service_level(n, 10.0, 180, 20) == pytest.approx(sl, abs=5e-5)
    assert average_wait(n, 10.0, 180) == pytest.approx(asa, abs=0.05)


def test_agents_needed():
    assert agents_needed(200, 3600, 180) == 14  # 13 gives 79.6%, just short of 80%
    assert agents_needed(100, 1800, 180, target=0.8, answer_within=20) == 14
    assert agents_needed(0, 1800, 180) == 0
    assert agents_needed(1, 1800, 180) == 1
    assert agents_needed(2000, 1800, 180, target=0.9) > 200  # large loads stay exact
    with pytest.raises(ValueError):
        agents_needed(10, 1800, 180, target=1.5)


def test_the_working_day_has_16_half_hours():
    s = slots()
    assert len(s) == 16 and s[0] == time(7, 30) and s[-1] == time(15, 0)


def test_table_per_half_hour_over_the_days_with_calls():
    # Two Mondays; 10:00-10:30 Belgrade (09:00 UTC) had 100 calls each day, 180 s talk.
    recs = []
    for day in (datetime(2027, 3, 1, 9, 0, tzinfo=UTC), datetime(2027, 3, 8, 9, 0, tzinfo=UTC)):
        for i in range(100):
            at = day + timedelta(seconds=i * 17)
            recs.append(Record(at, "call.connected", None, False))
            recs.append(Record(at, "call.completed", 180.0, False))
    recs.append(Record(datetime(2027, 3, 1, 9, 5, tzinfo=UTC), "call.connected", None, True))
    rows, days = table(recs)
    assert days == 2 and len(rows) == 16
    ten = next(r for r in rows if r.start == time(10, 0))
    assert ten.offered == 100 and ten.aht == 180 and ten.needed == 14
    assert ten.service_level == pytest.approx(0.8884, abs=1e-4)
    assert all(r.needed == 0 for r in rows if r.start != time(10, 0))


def test_needed_now_from_the_last_half_hour():
    now = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
    recs = [Record(now - timedelta(seconds=i * 17), "call.connected", None, False)
            for i in range(100)] + [Record(now, "call.completed", 180.0, False)]
    recs.append(Record(now - timedelta(hours=2), "call.abandoned", None, False))
    assert needed_now(recs, now) == {"offered_last_30_min": 100, "aht": 180.0, "needed": 14}
