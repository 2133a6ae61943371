"""kontakt report: figures from the recorded history.

    kontakt report staffing --from 2027-03-01 --to 2027-03-31
        one row per half hour of the working day (07:30-15:30): calls offered
        per day, average handle time, operators needed (Erlang C) for the
        target service level (settings staffing_service_level, 80%, within
        staffing_answer_seconds, 20 s)
    kontakt report followup --from DATE --to DATE
        per department: tickets returned (wrong department) and marked overdue
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("report", help="reports: staffing (Erlang C), followup (returns, overdue)")
    s = p.add_subparsers(dest="report", required=True, metavar="REPORT")
    for name, what in (("staffing", "operators needed per half hour (Erlang C)"),
                       ("followup", "returns and overdue tickets per department")):
        r = s.add_parser(name, help=what)
        r.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        r.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
        r.add_argument("--database", help="SQLAlchemy URL (default: the setting database_url)")
        r.add_argument("--json", action="store_true", help="print JSON")
        if name == "staffing":
            r.add_argument("--target", type=float, help="service level, e.g. 0.8")
            r.add_argument("--within", type=float, help="seconds, e.g. 20")
    p.set_defaults(func=main)


def _day(text: str, flag: str) -> date:
    from kontakt.cli import UserError

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{flag} {text!r}: write a date as YYYY-MM-DD") from None


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    from infra.db import make_engine, make_sessionmaker
    from kontakt import migrate, staffing
    from kontakt.cli import UserError
    from kontakt.settings import Settings
    from tickets.followup_queries import figures

    settings = Settings.load(args.settings)
    start, end = _day(args.start, "--from"), _day(args.end, "--to")
    if end < start:
        raise UserError(f"--to {end} is before --from {start}")
    tz = ZoneInfo("Europe/Belgrade")
    since = datetime.combine(start, time(0), tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz)
    url = args.database or settings.database_url
    from infra.logs import configure

    configure(settings.log_level, json=settings.log_json)  # to stderr: stdout is the answer
    await migrate.upgrade(url)
    engine = make_engine(url)
    try:
        sm = make_sessionmaker(engine)
        if args.report == "followup":
            async with sm() as s:
                return {"from": str(start), "to": str(end), **await figures(s, since, until)}
        target = args.target if args.target is not None else settings.staffing_service_level
        within = args.within if args.within is not None else settings.staffing_answer_seconds
        if not 0 < target < 1:
            raise UserError(f"--target {target}: a share between 0 and 1, e.g. 0.8")
        rows, days = staffing.table(await staffing.load(sm, since, until),
                                    wrapup=settings.wrapup, target=target,
                                    answer_within=within)
        return {"from": str(start), "to": str(end), "days_with_calls": days,
                "target": target, "answer_within": within,
                "rows": [r.to_dict() for r in rows]}
    finally:
        await engine.dispose()


def main(args: argparse.Namespace) -> int:
    out = asyncio.run(_run(args))
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    if args.report == "followup":
        print(f"returns and overdue tickets {out['from']} .. {out['to']}")
        print(f"{'department':<22}{'returned':>9}{'overdue':>9}")
        for dep, b in sorted(out["by_department"].items()):
            print(f"{dep:<22}{b['returned']:>9}{b['overdue']:>9}")
        print(f"open and overdue now: {out['overdue_open']}, waiting in the returned queue: "
              f"{out['returned_waiting']}, merged: {out['merged']}")
        return 0
    print(f"staffing {out['from']} .. {out['to']} ({out['days_with_calls']} days with calls), "
          f"target {out['target']:.0%} within {out['answer_within']:g} s")
    print(f"{'half hour':<12}{'offered':>9}{'AHT s':>8}{'needed':>8}{'SL':>7}")
    for r in out["rows"]:
        sl = "-" if r["service_level"] is None else f"{r['service_level']:.0%}"
        print(f"{r['slot']:<12}{r['offered']:>9.1f}{r['aht']:>8.0f}{r['needed']:>8}{sl:>7}")
    return 0
