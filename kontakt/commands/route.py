"""kontakt route: what would happen to a call, as one JSON object.

Runs ``ivr.walk.route``, which drives the same IVR engine live calls
run on, so the answer is the live behaviour and not a copy of it.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from zoneinfo import ZoneInfo


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("route", help="what would happen to a call (JSON)")
    p.add_argument("--to", required=True, metavar="NUMBER", help="dialled number, any form")
    p.add_argument("--from", dest="from_", metavar="NUMBER", default=None,
                   help="caller's number in any carrier form; omit or 'anonymous' for none")
    p.add_argument("--at", metavar="ISO-TIME",
                   help="moment of the call, e.g. 2026-12-01T07:30; without an offset it is "
                        "local time of the configuration (Europe/Belgrade); default now")
    p.add_argument("--digits", default="", metavar="KEYS",
                   help="answers to the prompts in order, comma-separated: 2,1 or 2,2,123#; "
                        "an empty item is a timeout")
    p.add_argument("--config", metavar="PATH", help="configuration (default: setting config)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from dialplan.loader import ConfigInvalid, load_config
    from ivr.walk import route
    from kontakt.cli import UserError
    from kontakt.settings import Settings

    settings = Settings.load(args.settings)
    path = args.config or settings.config or None
    try:
        config = load_config(path)
    except ConfigInvalid as e:
        raise UserError(f"{e.issues[0]} ({len(e.issues)} problem(s); see kontakt config "
                        "check)", status=1) from None
    tz = ZoneInfo(config.timezone)
    if args.at:
        try:
            at = datetime.fromisoformat(args.at)
        except ValueError:
            raise UserError(f"--at {args.at!r}: write an ISO time such as 2026-12-01T07:30 "
                            "or 2026-12-01T07:30+01:00") from None
        at = at.replace(tzinfo=tz) if at.tzinfo is None else at
    else:
        at = datetime.now(tz)
    digits = [d.strip() for d in args.digits.split(",")] if args.digits else []
    bad = [d for d in digits if d.strip("0123456789*#")]
    if bad:
        raise UserError(f"--digits: {bad[0]!r} is not keys (0-9, *, #)")
    decision = route(config, to_number=args.to, from_number=args.from_, at=at, digits=digits)
    out = decision.to_dict()
    out["at"] = at.astimezone(tz).isoformat()
    print(json.dumps(out, ensure_ascii=False))
    return 0
