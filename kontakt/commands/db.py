"""kontakt db: schema migrations (upgrade to the newest revision, current)."""

from __future__ import annotations

import argparse
import asyncio


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("db", help="database schema (upgrade, current)")
    s = p.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    s.add_parser("upgrade", help="apply the schema migrations (Alembic) up to the newest")
    s.add_parser("current", help="print the database's schema revision")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from kontakt import migrate
    from kontakt.cli import UserError
    from kontakt.settings import Settings

    settings = Settings.load(args.settings)
    from infra.logs import configure

    configure(settings.log_level, json=settings.log_json)  # to stderr: stdout is the answer
    try:
        if args.db_command == "upgrade":
            asyncio.run(migrate.upgrade(settings.database_url))
            print(f"database at revision {migrate.head()}")
        else:
            print(asyncio.run(migrate.current(settings.database_url)) or "(empty)")
    except (OSError, ConnectionError) as e:
        raise UserError(f"cannot reach the database ({settings.database_url}): {e}") from None
    except Exception as e:
        # SQLAlchemy wraps driver errors (wrong host, no such database): one line.
        if type(e).__module__.startswith(("sqlalchemy", "asyncpg", "sqlite3")):
            first = str(e).splitlines()[0]
            raise UserError(f"database {settings.database_url}: {first}") from None
        raise
    return 0
