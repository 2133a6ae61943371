"""The `kontakt` console script.

Each sub-command lives in its own module under ``kontakt/commands/`` and
exposes ``register(subparsers)``; the function it sets as ``func`` gets the
parsed arguments and returns the exit status.  Errors a user can fix are
raised as ``UserError`` and printed as one line, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from kontakt import commands


class UserError(Exception):
    """A problem the user can fix: printed as one line, exit status 2 (or .status)."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kontakt", description=__doc__.splitlines()[0])
    parser.add_argument("--settings", help="settings file (TOML); KONTAKT_* variables override")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for mod in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"kontakt.commands.{mod.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from kontakt.settings import SettingsError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UserError, SettingsError) as e:
        print(f"kontakt {args.command}: {e}", file=sys.stderr)
        return getattr(e, "status", 2)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
