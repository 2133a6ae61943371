"""kontakt privacy: the retention run (for cron, when the service does not
run its daily job) and the audit log as JSON lines, from the server."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("privacy", help="personal data: retention run, audit log")
    s = p.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")
    s.add_parser("retention", help="anonymise what is older than retention_days, now")
    audit = s.add_parser("audit", help="print the audit log, one JSON object a line")
    audit.add_argument("--ticket", help="only this ticket number")
    audit.add_argument("--actor", help="only this user")
    p.set_defaults(func=main)


async def _run(args: argparse.Namespace, settings: Any) -> int:
    from infra.db import make_engine, make_sessionmaker
    from kontakt.migrate import upgrade
    from kontakt.privacy.audit import AuditLog, Entry
    from kontakt.privacy.retention import RetentionJob

    await upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        sm = make_sessionmaker(engine)
        audit = AuditLog(sm)
        if args.privacy_command == "retention":
            report = await RetentionJob(sm, settings.retention_days, audit=audit,
                                        recording_days=settings.recording_days).run_once()
            print(json.dumps(report.to_dict(), ensure_ascii=False))
            return 0
        after, rows = 0, 0
        while page := await audit.read(ticket=args.ticket, actor=args.actor, after_id=after,
                                       limit=1000):
            for e in page:
                print(json.dumps(e, ensure_ascii=False))
            after, rows = page[-1]["id"], rows + len(page)
        # Reading the log from the server's shell is an export too.
        await audit.record([Entry("cli", "admin", "audit.export", args.ticket,
                                  "kontakt privacy audit", None, {"rows": rows})])
        return 0
    finally:
        await engine.dispose()


def main(args: argparse.Namespace) -> int:
    from infra.logs import configure
    from kontakt.settings import Settings

    settings = Settings.load(args.settings)
    configure(settings.log_level, json=settings.log_json)  # to stderr: stdout is the answer
    code = asyncio.run(_run(args, settings))
    sys.stdout.flush()
    return code
