"""kontakt setup: the files of a server installation (settings with generated
secrets, the Asterisk configuration, systemd units) under --root."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("setup", help="write a server installation's files under --root")
    p.add_argument("--root", required=True,
                   help="write every file under this directory; installs no package")
    p.add_argument("--dry-run", action="store_true", help="print what it would do, write nothing")
    p.add_argument("--agents", type=int, default=20, help="operator seats (agent01..agentNN)")
    p.add_argument("--carrier", default="127.0.0.1",
                   help="the carrier's address (PJSIP identify match), e.g. 10.1.2.3/32")
    p.add_argument("--city", default="127.0.0.1", help="the PBX reaching the departments")
    p.add_argument("--bind", default="0.0.0.0", help="SIP listening address")
    p.add_argument("--http-host", default="127.0.0.1",
                   help="where the workstations listen (0.0.0.0: every address)")
    p.add_argument("--kontakt-bin", help="the kontakt script the unit runs (default: this one)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from kontakt import setup
    from kontakt.cli import UserError

    if not 1 <= args.agents <= 99:
        raise UserError("--agents must be 1..99")
    root = Path(args.root).resolve()
    if root == Path("/"):
        raise UserError("--root / is a real install, which `kontakt setup` does not do yet: "
                        "give a directory, review, then copy")
    state: dict[str, object] = {}
    steps = setup.plan(args, args.kontakt_bin or setup.kontakt_binary(), state)
    for done in setup.apply(steps, root, args, state, dry_run=args.dry_run):
        step = done.step
        where = f"{root}{step.path}" if step.path is not None else str(step.text)
        mode = f" (mode {step.mode:o})" if step.mode is not None else ""
        print(f"{done.outcome:<10} {where}{mode}" if step.what != "command"
              else f"{done.outcome}: {where}")
    if not args.dry_run:
        print(f"next: review {root}, then create the first administrator: kontakt --settings "
              f"{setup.ETC / 'kontakt.toml'} user add admin --role admin")
    return 0
