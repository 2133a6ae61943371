"""The engine's own AGI reply parser reads every line Asterisk sends as
panoramisk's parser (which the handlers were written against) did."""

from __future__ import annotations

import pytest
from panoramisk.utils import parse_agi_result

from asterisk.agi_reply import parse

SAME = [
    "200 result=0", "200 result=0 endpos=1234", "200 result=49 endpos=55",
    "200 result=1 (hello)", "200 result=1 (hello world) endpos=5", "200 result= (timeout)",
    "200 result=12 (timeout)", "200 result=-1", "200 result=-1 endpos=0",
    "200 result=0 (hangup)", "200 result=-1 (hangup)", "200 result=abc (x", "200 result=1(x)",
    "200 result=1 (a) b=2 (c)", "200 result=", "200 result=0\r", "200 result=1 ((x))",
    "HANGUP", "100 result=0 Trying...",
]
STATUS = {"510 Invalid or unknown command": 510, "520-Invalid command syntax.": 520,
          "520 End of proper usage.": 520, "999": 999, "0": 0,
          "511 Command Not Permitted on a dead channel or intercept routine": 511}


@pytest.mark.parametrize("line", SAME)
def test_replies_parse_as_panoramisk_parsed_them(line):
    assert parse(line) == parse_agi_result(line)


@pytest.mark.parametrize("line,code", STATUS.items())
def test_other_statuses_keep_their_code(line, code):
    assert parse(line)["status_code"] == code


@pytest.mark.parametrize("line", ["", "abc", "result=1"])
def test_a_line_without_a_status_is_not_agi(line):
    with pytest.raises(ValueError):
        parse(line)
