"""kontakt demo: a whole contact center on this machine."""

from __future__ import annotations

import argparse
import asyncio

from kontakt.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="run a private Asterisk, the engine, agents and citizens")
    p.add_argument("--agents", type=int, default=20, help="agent seats with answering phones")
    p.add_argument("--calls", type=int, default=0, help="place N citizen calls, then end")
    p.add_argument("--rate", type=float, default=2.0, help="calls per second")
    p.add_argument("--talk", type=float, default=5.0, help="seconds an agent talks")
    p.add_argument("--patience", type=float, default=600.0, help="seconds a citizen waits at most")
    p.add_argument(
        "--at",
        default=None,
        help="the demo clock, ISO time (default: a working day at 10:00 Europe/Belgrade)",
    )
    p.add_argument("--http-port", type=int, default=None, help="serve the workstations here")
    p.add_argument("--seed", type=int, default=21, help="random seed for the citizens")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from kontakt.cli import UserError
    from kontakt.demo import print_summary, run_demo

    if not 1 <= args.agents <= 99:
        raise UserError("--agents must be 1..99")
    if args.rate <= 0 or args.talk < 0 or args.calls < 0:
        raise UserError("--rate must be > 0, --talk and --calls >= 0")
    settings = Settings.load(args.settings)
    try:
        summary = asyncio.run(run_demo(args, settings))
    except KeyboardInterrupt:
        return 130
    print_summary(summary, args.json)
    return 0 if summary.get("lost", 1) == 0 else 1
