"""kontakt run: the production service."""

from __future__ import annotations

import argparse
import asyncio


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("run", help="run the engine against Asterisk (real clock)")
    p.set_defaults(func=main)


def _loop_factory():  # type: ignore[no-untyped-def]
    """uvloop when installed: less per-call latency on the AGI/AMI path."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def main(args: argparse.Namespace) -> int:
    from kontakt.service import serve
    from kontakt.settings import Settings

    settings = Settings.load(args.settings)
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(serve(settings))
    except KeyboardInterrupt:
        pass
    return 0
