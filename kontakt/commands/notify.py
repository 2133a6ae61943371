"""kontakt notify: citizen notifications (list, retry, test, worker)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("notify", help="citizen SMS/e-mail notifications (list, retry, test, "
                                      "worker)")
    s = p.add_subparsers(dest="notify_command", required=True, metavar="ACTION")
    ls = s.add_parser("list", help="a ticket's notifications and their status")
    ls.add_argument("ticket", help="ticket number, e.g. NS-2027-000123")
    rt = s.add_parser("retry", help="put a failed or given-up notification back in the queue")
    rt.add_argument("id", type=int)
    t = s.add_parser("test", help="send a sample notification now, to check the settings")
    t.add_argument("--sms", metavar="E164", help="phone number, e.g. +381641234567")
    t.add_argument("--email", metavar="ADDRESS")
    t.add_argument("--lang", default="sr", help="sr, hu, sk, ro, hr or en (default sr)")
    t.add_argument("--status", default="resolved")
    w = s.add_parser("worker", help="send due notifications (until interrupted, or --once)")
    w.add_argument("--once", action="store_true", help="one pass, print how many were tried")
    p.set_defaults(func=main)


async def _with_db(settings: Any, action: Any) -> Any:
    from infra.db import make_engine, make_sessionmaker
    from kontakt.migrate import upgrade

    await upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        return await action(make_sessionmaker(engine))
    finally:
        await engine.dispose()


async def _list(sm: Any, ticket: str) -> int:
    from tickets.notify.jobs import for_ticket

    async with sm() as session:
        rows = await for_ticket(session, ticket)
    if not rows:
        print(f"no notifications for {ticket}")
    for r in rows:
        when = r["sent_at"] or r["next_attempt_at"] or ""
        print(f"{r['id']}\t{r['channel']}\t{r['recipient']}\t{r['ticket_status']}\t"
              f"{r['status']}\tattempts={r['attempts']}\t{when}\t{r['last_error'] or ''}")
    return 0


async def _retry(sm: Any, notification_id: int) -> int:
    from kontakt.cli import UserError
    from tickets.notify.jobs import rearm
    from tickets.notify.policy import TransitionError

    try:
        async with sm() as session, session.begin():
            row = await rearm(session, notification_id)
    except LookupError as e:
        raise UserError(str(e)) from None
    except TransitionError as e:
        raise UserError(f"notification {notification_id}: {e}") from None
    print(f"notification {row['id']} is pending again")
    return 0


async def _test(settings: Any, args: argparse.Namespace) -> int:
    from kontakt.cli import UserError
    from tickets.notify.messages import MessageError, render
    from tickets.notify.ports import NotificationFailed
    from tickets.notify.wiring import senders_from_settings

    if not (args.sms or args.email):
        raise UserError("say where to: --sms +381... and/or --email address")
    sms, email = senders_from_settings(settings)
    try:
        m = render(status=args.status, language=args.lang, ticket_number="NS-TEST-000000",
                   outcome="Ово је пробна порука. / This is a test message.")
    except MessageError as e:
        raise UserError(str(e)) from None
    try:
        if args.sms:
            if sms is None:
                raise UserError("no SMS gateway: set kannel_url (KONTAKT_KANNEL_URL)")
            print(f"sms sent: {await sms.send(args.sms, m.sms)}")
        if args.email:
            if email is None:
                raise UserError("no e-mail: set smtp_host (KONTAKT_SMTP_HOST)")
            print(f"e-mail sent: {await email.send(args.email, m.subject, m.body)}")
    except NotificationFailed as e:
        raise UserError(f"not sent: {e.summary()}") from None
    return 0


async def _worker(settings: Any, sm: Any, once: bool) -> int:
    from infra.logs import configure
    from tickets.notify.wiring import worker_from_settings

    # A long-running process: its log (stderr) is how it is watched.
    configure(settings.log_level, json=settings.log_json)

    worker = worker_from_settings(settings, sm)
    if once:
        print(f"tried {await worker.run_once()}")
        return 0
    await worker.run()
    return 0


def main(args: argparse.Namespace) -> int:
    from kontakt.settings import Settings

    settings = Settings.load(args.settings)
    cmd = args.notify_command
    if cmd == "test":
        return asyncio.run(_test(settings, args))
    if cmd == "list":
        return asyncio.run(_with_db(settings, lambda sm: _list(sm, args.ticket)))
    if cmd == "retry":
        return asyncio.run(_with_db(settings, lambda sm: _retry(sm, args.id)))
    return asyncio.run(_with_db(settings, lambda sm: _worker(settings, sm, args.once)))
