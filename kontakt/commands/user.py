"""kontakt user: manage the workstations' users (add, list, passwd)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("user", help="manage workstation users (add, list, passwd)")
    s = p.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = s.add_parser("add", help="add a user (password from KONTAKT_NEW_PASSWORD or a prompt)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["agent", "department", "supervisor",
                                                       "admin"])
    add.add_argument("--department", help="department id, for department staff")
    add.add_argument("--agent", help="agent seat (agent07), for agents")
    add.add_argument("--name", default="", help="full name")
    add.add_argument("--lang", default="sr-Cyrl", choices=["sr-Cyrl", "sr-Latn", "en"])
    s.add_parser("list", help="list users")
    pw = s.add_parser("passwd", help="set a user's password")
    pw.add_argument("username")
    p.set_defaults(func=main)


def _password() -> str:
    # The environment variable is for scripts; people get a prompt without echo.
    env = os.environ.get("KONTAKT_NEW_PASSWORD")
    if env:
        return env
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        from kontakt.cli import UserError

        raise UserError("the passwords differ")
    return first


async def _run(args: argparse.Namespace, settings: Any) -> int:
    from infra.db import Base, make_engine, make_sessionmaker
    from kontakt.http import users

    engine = make_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all, tables=[users.UserRow.__table__])
        sm = make_sessionmaker(engine)
        if args.user_command == "add":
            if args.department:
                from kontakt.http.sources import departments_from_settings

                known = {d.id for d in departments_from_settings(settings)}
                if args.department not in known:
                    raise users.UserError("user.unknown_department",
                                          f"no department {args.department!r}; one of "
                                          + ", ".join(sorted(known)))
            u = await users.add_user(sm, args.username, _password(), args.role,
                                     department=args.department, agent_id=args.agent,
                                     full_name=args.name, lang=args.lang)
            where = u.department or u.agent_id
            print(f"added {u.username} ({u.role}{', ' + where if where else ''})")
        elif args.user_command == "list":
            for u in await users.list_users(sm):
                print(f"{u.username}\t{u.role}\t{u.department or u.agent_id or ''}")
        else:
            await users.set_password(sm, args.username, _password())
            print(f"password of {args.username} changed")
        return 0
    finally:
        await engine.dispose()


def main(args: argparse.Namespace) -> int:
    from kontakt.cli import UserError
    from kontakt.http.users import UserError as BadUser
    from kontakt.settings import Settings

    settings = Settings.load(args.settings)
    try:
        return asyncio.run(_run(args, settings))
    except BadUser as e:
        raise UserError(str(e)) from None
