"""The ``hours:`` section: weekly spans, public holidays, special days and
whether a closed line offers callbacks."""

from __future__ import annotations

import itertools
import re
from datetime import date, time

from yaml.nodes import Node, SequenceNode

from dialplan.model import WEEKDAYS, Hours, Span, SpecialDay
from dialplan.yaml_nodes import Reader, line_of

_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def _time(r: Reader, node: Node, s: str, what: str) -> time | None:
    m = _TIME.match(s.strip())
    if m is None:
        r.err(node, f"{what}: bad time {s.strip()!r}, write HH:MM (00:00-23:59)",
              "config.bad_time", what=what, value=s.strip())
        return None
    return time(int(m.group(1)), int(m.group(2)))


def _spans(r: Reader, node: Node, what: str) -> tuple[Span, ...] | None:
    """``07:30-15:30``, a list of such spans, or ``closed``."""
    items = node.value if isinstance(node, SequenceNode) else [node]
    out: list[Span] = []
    for it in items:
        s = r.text(it, what)
        if s is None:
            return None
        if s.lower() == "closed":
            continue
        start_s, sep, end_s = s.partition("-")
        if not sep:
            r.err(it, f"{what}: {s!r} must be a span like 07:30-15:30, or closed",
                  "config.bad_span", what=what, value=s)
            return None
        # 24:00 ends a span at midnight (open until the end of the day).
        end = time.max if end_s.strip() == "24:00" else _time(r, it, end_s, what)
        start = _time(r, it, start_s, what)
        if start is None or end is None:
            return None
        if end <= start:
            r.err(it, f"{what}: span {s!r} ends before it starts", "config.span_backwards",
                  what=what, value=s)
            return None
        out.append(Span(start, end))
    out.sort(key=lambda sp: sp.start)
    for a, b in itertools.pairwise(out):
        if b.start < a.end:
            r.err(node, f"{what}: spans {a} and {b} overlap", "config.spans_overlap", what=what,
                  a=str(a), b=str(b))
            return None
    return tuple(out)


def _weekday_keys(key: str) -> list[int] | None:
    if key in WEEKDAYS:
        return [WEEKDAYS.index(key)]
    first, sep, last = key.partition("-")
    if sep and first in WEEKDAYS and last in WEEKDAYS:
        a, b = WEEKDAYS.index(first), WEEKDAYS.index(last)
        return list(range(a, b + 1)) if a <= b else None
    return None


def read_hours(r: Reader, node: Node) -> Hours | None:
    m = r.mapping(node, "hours", ("weekly", "public_holidays", "special", "callback"),
                  required=("weekly",))
    if "weekly" not in m:
        return None
    weekly: list[tuple[Span, ...]] = [() for _ in WEEKDAYS]
    set_on: dict[int, int] = {}
    for key, (knode, vnode) in r.mapping(m["weekly"][1], "hours.weekly").items():
        days = _weekday_keys(key)
        if days is None:
            r.err(knode, f"hours.weekly: {key!r} is not a day or range "
                         f"({', '.join(WEEKDAYS)}, or e.g. mon-fri)", "config.bad_day",
                  day=key, known=", ".join(WEEKDAYS))
            continue
        spans = _spans(r, vnode, f"hours.weekly.{key}")
        for d in days:
            if d in set_on:
                r.err(knode, f"hours.weekly: {WEEKDAYS[d]} is already set on line {set_on[d]}",
                      "config.day_twice", day=WEEKDAYS[d], first_line=set_on[d])
            set_on[d] = line_of(knode)
            weekly[d] = spans or ()
    country: str | None = "RS"
    if "public_holidays" in m:
        c = r.text(m["public_holidays"][1], "hours.public_holidays") or ""
        if c.lower() == "none":
            country = None
        elif c != "RS":
            r.err(m["public_holidays"][1],
                  f"hours.public_holidays: {c!r} must be RS (Serbia) or none",
                  "config.bad_holidays", value=c)
        else:
            country = c
    callback = True
    if "callback" in m:
        callback = bool(r.flag(m["callback"][1], "hours.callback"))
    special: list[SpecialDay] = []
    seen: dict[date, int] = {}
    for item in r.seq(m["special"][1], "hours.special") if "special" in m else []:
        sm = r.mapping(item, "special day", ("date", "hours", "reason"), required=("date",))
        if "date" not in sm:
            continue
        ds = r.text(sm["date"][1], "special day: date") or ""
        try:
            day = date.fromisoformat(ds)
        except ValueError:
            r.err(sm["date"][1], f"special day: bad date {ds!r}, write YYYY-MM-DD",
                  "config.bad_date", value=ds)
            continue
        if day in seen:
            r.err(sm["date"][1], f"special day {ds} appears twice (first on line {seen[day]})",
                  "config.date_twice", date=ds, first_line=seen[day])
            continue
        seen[day] = line_of(sm["date"][1])
        spans = _spans(r, sm["hours"][1], f"special day {ds}") if "hours" in sm else ()
        reason = r.text(sm["reason"][1], "reason") or "" if "reason" in sm else ""
        special.append(SpecialDay(day, spans or (), reason))
    return Hours(tuple(weekly), country, tuple(special), callback)
