"""kontakt run: the production service."""

from __future__ import annotations

import argparse
import asyncio


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("run", help="run the engine against Asterisk (real clock)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from kontakt.service import serve
    from kontakt.settings import Settings

    settings = Settings.load(args.settings)
    try:
        asyncio.run(serve(settings))
    except KeyboardInterrupt:
        pass
    return 0
