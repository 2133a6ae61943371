"""kontakt agent login|logout|pause|ready AGENT: drive agent states of a running engine."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("agent", help="log agents in or out, pause them, make them ready")
    p.add_argument("action", choices=["login", "logout", "pause", "ready", "status"])
    p.add_argument("agent", nargs="?", default="all", help="agent01..agent20, or all")
    p.add_argument(
        "--reason",
        default="break",
        help="pause reason: break, meeting, back-office, training, other",
    )
    p.add_argument("--skills", default=None, help="languages, e.g. sr,hu (login)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from kontakt.cli import UserError
    from kontakt.control import call
    from kontakt.settings import Settings

    settings = Settings.load(args.settings)
    sock = Path(settings.run_dir) / "control.sock"
    req: dict[str, object] = {
        "op": "status" if args.action == "status" else f"agent.{args.action}",
        "agent": args.agent,
        "reason": args.reason,
    }
    if args.skills:
        req["skills"] = [s.strip() for s in args.skills.split(",") if s.strip()]
    try:
        answer = asyncio.run(call(sock, req))
    except (OSError, TimeoutError):
        raise UserError(f"no running engine at {sock} (is `kontakt run` up?)") from None
    if not answer.get("ok"):
        raise UserError(f"{answer.get('error')}: {answer.get('message')}", status=1)
    for a in answer.get("agents", []):
        print(f"{a['id']}\t{a['state']}\t{a.get('reason') or ''}")
    if args.action == "status":
        print(json.dumps({k: v for k, v in answer.items() if k == "stats"}))
    return 0
