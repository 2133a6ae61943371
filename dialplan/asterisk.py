"""The configuration rendered for Asterisk itself, for when the engine is away.

Live calls are decided by the engine over FastAGI (``ivr.agi``); these
renderings let the dialplan's fallback path (engine unreachable: app_queue)
still honour the service numbers and the working hours:

* ``render_numbers``: a context that sends every form of each service number
  (E.164 digits, national 0..., the short DID) to the inbound context and
  refuses other numbers;
* ``render_hours``: a Gosub context returning ``open`` or ``closed`` for the
  current moment, with every public holiday, closure and special day of the
  given years spelled out as dates (GotoIfTime has no notion of a year).

Re-render after each reload and at the turn of the year.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from dialplan.calendar import day_spans
from dialplan.model import WEEKDAYS, Config, Span
from dialplan.numbers import classify


def _forms(e164: str) -> list[str]:
    """E.164 digits, national (0...), and for a fixed line the number without its area."""
    caller = classify(e164)
    national = "0" + e164[4:] if e164.startswith("+381") else e164.lstrip("+")
    forms = [e164.lstrip("+"), national]
    if caller.kind == "fixed" and caller.area:
        forms.append(national[len(caller.area):])
    return list(dict.fromkeys(forms))


def render_numbers(config: Config, *, context: str = "kontakt-numbers",
                   inbound: str = "kontakt-inbound") -> str:
    lines = [f"[{context}]", "; Rendered from the configuration: the service numbers, "
             "in each form a carrier may deliver."]
    for n in config.numbers:
        for form in _forms(n.e164):
            lines.append(f"exten => {form},1,Goto({inbound},{n.e164.lstrip('+')},1)")
    lines.append("exten => _X.,1,Hangup(1) ; not a service number: unallocated")
    return "\n".join(lines) + "\n"


def _asterisk_span(span: Span) -> str:
    # Asterisk's ranges include their last minute; ours end before their end.
    end = span.end if span.end == time.max else (
        datetime.combine(date(2000, 1, 1), span.end) - timedelta(minutes=1)).time()
    return f"{span.start:%H:%M}-{end:%H:%M}"


def render_hours(config: Config, *, years: Iterable[int],
                 context: str = "kontakt-hours") -> str:
    """Gosub(kontakt-hours,s,1) then ${GOSUB_RETVAL} is ``open`` or ``closed``."""
    tz = config.timezone
    hours = config.hours
    out = [f"[{context}]",
           "; Rendered from the configuration: working hours, holidays, special days.",
           f"exten => s,1,Set(LOCAL_DATE=${{STRFTIME(${{EPOCH}},{tz},%Y-%m-%d)}})"]
    specials: list[tuple[date, tuple[Span, ...], str]] = []
    for year in sorted(set(years)):
        day = date(year, 1, 1)
        while day.year == year:
            spans, why = day_spans(hours, day)
            if spans != hours.weekly[day.weekday()]:
                specials.append((day, spans, why))
            day += timedelta(days=1)
    for day, spans, why in specials:
        label = f"d{day:%Y%m%d}"
        target = label if spans else "closed"
        out.append(f' same => n,GotoIf($["${{LOCAL_DATE}}" = "{day.isoformat()}"]?{target})'
                   f" ; {why}")
    for i, spans in enumerate(hours.weekly):
        for span in spans:
            out.append(f" same => n,GotoIfTime({_asterisk_span(span)},{WEEKDAYS[i]},*,*,{tz}"
                       "?open)")
    out.append(" same => n(closed),Return(closed)")
    out.append(" same => n(open),Return(open)")
    for day, spans, _ in specials:
        if spans:
            out.append(f" same => n(d{day:%Y%m%d}),NoOp(special hours {day.isoformat()})")
            for span in spans:
                out.append(f" same => n,GotoIfTime({_asterisk_span(span)},*,*,*,{tz}?open)")
            out.append(" same => n,Goto(closed)")
    return "\n".join(out) + "\n"
