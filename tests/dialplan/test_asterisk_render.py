"""The configuration rendered for Asterisk's fallback path agrees with the calendar."""

import re
from datetime import date, timedelta

from dialplan.asterisk import render_hours, render_numbers
from dialplan.calendar import day_spans
from dialplan.loader import load_config

CFG = load_config()


def test_numbers_in_every_form():
    text = render_numbers(CFG)
    for form in ("381800021021", "0800021021", "381214807900", "0214807900", "4807900"):
        assert re.search(rf"^exten => {form},1,Goto\(kontakt-inbound,38", text, re.M), form
    assert "exten => 021021," not in text  # 0800 has no area to drop
    assert text.rstrip().endswith("Hangup(1) ; not a service number: unallocated")


def test_hours_spell_out_every_exceptional_day_of_the_years():
    text = render_hours(CFG, years=[2026, 2027])
    closed = set(re.findall(r'"\$\{LOCAL_DATE\}" = "(\d{4}-\d\d-\d\d)"\]\?closed', text))
    special = set(re.findall(r'"\$\{LOCAL_DATE\}" = "(\d{4}-\d\d-\d\d)"\]\?d\d+', text))
    day = date(2026, 1, 1)
    while day.year < 2028:
        spans, _ = day_spans(CFG.hours, day)
        weekly = CFG.hours.weekly[day.weekday()]
        if spans != weekly:
            assert day.isoformat() in (special if spans else closed), day
        else:
            assert day.isoformat() not in closed | special, day
        day += timedelta(days=1)
    assert "2026-02-17" in closed and "2027-05-04" in closed and "2026-12-31" in special
    # 07:30-15:30 (15:30 closed) is Asterisk's inclusive 07:30-15:29
    assert "GotoIfTime(07:30-15:29,mon,*,*,Europe/Belgrade?open)" in text
    assert "GotoIfTime(07:30-11:59,*,*,*,Europe/Belgrade?open)" in text
