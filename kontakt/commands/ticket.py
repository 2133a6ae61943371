"""kontakt ticket: open, show, search and move tickets from the shell
(as the system's own supervisor account, for administrators and scripts)."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("ticket", help="tickets: open, show, search, status, counts")
    p.add_argument("--as", dest="actor", default="cli:supervisor",
                   help="USER:ROLE[:DEPARTMENT] acting (default cli:supervisor)")
    p.add_argument("--json", action="store_true", help="print JSON")
    s = p.add_subparsers(dest="ticket_command", required=True, metavar="ACTION")
    o = s.add_parser("open", help="open a ticket")
    o.add_argument("--kind", required=True,
                   choices=["complaint", "request", "suggestion", "information", "callback"])
    o.add_argument("--subject", required=True)
    o.add_argument("--description", default="")
    o.add_argument("--phone")
    o.add_argument("--department")
    o.add_argument("--resolve-now", action="store_true")
    sh = s.add_parser("show", help="a ticket and its history")
    sh.add_argument("number")
    f = s.add_parser("search", help="search tickets")
    for name in ("number", "phone", "department", "kind", "status", "since", "until", "text"):
        f.add_argument(f"--{name}")
    f.add_argument("--limit", type=int, default=50)
    st = s.add_parser("status", help="move a ticket to a status")
    st.add_argument("number")
    st.add_argument("to")
    st.add_argument("--comment", default="")
    s.add_parser("counts", help="tickets per department and status")
    p.set_defaults(func=main)


def _actor(spec: str) -> Any:
    from kontakt.cli import UserError
    from tickets.domain import Actor, TicketError

    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise UserError(f"--as {spec!r}: use USER:ROLE or USER:department:DEPARTMENT")
    try:
        return Actor(parts[0], parts[1], parts[2] if len(parts) == 3 else None)
    except TicketError as e:
        raise UserError(f"--as {spec!r}: {e}") from None


async def _run(args: argparse.Namespace) -> Any:
    from infra.db import make_engine, make_sessionmaker
    from kontakt import migrate
    from kontakt.settings import Settings
    from tickets.service import TicketService

    settings = Settings.load(args.settings)
    from infra.logs import configure

    configure(settings.log_level, json=settings.log_json)  # to stderr: stdout is the answer
    await migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        svc = TicketService(make_sessionmaker(engine))
        actor = _actor(args.actor)
        cmd = args.ticket_command
        if cmd == "open":
            return await svc.open_ticket(actor, kind=args.kind, subject=args.subject,
                                         description=args.description, phone=args.phone,
                                         department=args.department,
                                         resolve_now=args.resolve_now)
        if cmd == "show":
            return {"ticket": await svc.get(actor, args.number),
                    "history": await svc.history(actor, args.number)}
        if cmd == "search":
            q = {k: getattr(args, k) for k in ("number", "phone", "department", "kind",
                                               "status", "since", "until", "text")}
            return await svc.search(actor, limit=args.limit, **q)
        if cmd == "status":
            return await svc.change_status(actor, args.number, args.to, args.comment)
        return await svc.counts()
    finally:
        await engine.dispose()


def main(args: argparse.Namespace) -> int:
    from kontakt.cli import UserError
    from tickets.domain import TicketError

    try:
        out = asyncio.run(_run(args))
    except TicketError as e:
        raise UserError(f"{e} ({e.code})") from None
    if args.json:
        print(json.dumps(out, ensure_ascii=False, default=str, indent=1))
    elif isinstance(out, list):
        for t in out:
            print(f"{t['number']}\t{t['status']}\t{t['department'] or '-'}\t{t['kind']}\t"
                  f"{t['phone'] or '-'}\t{t['subject']}")
    elif isinstance(out, dict) and "history" in out:
        t = out["ticket"]
        print(f"{t['number']} {t['status_label']} ({t['status']}) {t['kind_label']} "
              f"{t['department'] or '-'}: {t['subject']}")
        for h in out["history"]:
            print(f"  {h['at']}  {h['actor']} ({h['role']})  {h['action']}  "
                  f"{h['old_status'] or ''}->{h['new_status'] or ''}  {h['comment']}")
    elif isinstance(out, dict) and "number" in out:
        print(f"{out['number']}\t{out['status']}\t{out['department'] or '-'}")
    else:
        for dep, by_status in sorted(out.items()):
            print(dep or "-", " ".join(f"{s}={n}" for s, n in sorted(by_status.items())))
    return 0
