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
    p.add_argument("--sip-port", type=int, default=5060)
    p.add_argument("--carrier-port", type=int, default=5060)
    p.add_argument("--city-port", type=int, default=5060)
    p.add_argument("--ami-port", type=int, default=5038, help="AMI (on loopback)")
    p.add_argument("--agi-port", type=int, default=4573, help="FastAGI (on loopback)")
    p.add_argument("--http-port", type=int, default=8021, help="the workstations' HTTP port")
    p.add_argument("--mqtt-port", type=int, default=1883, help="the broker's port")
    p.add_argument("--rtp", default="10000-10999", help="RTP port range")
    p.add_argument("--supervisors", type=int, default=4,
                   help="supervisors' phones (supervisor01..NN) for listening in")
    p.add_argument("--admin", default="admin",
                   help="the first administrator, added when there is no user yet "
                        "(password asked on a terminal, else generated and printed once)")
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
    if not 0 <= args.supervisors <= 99:
        raise UserError("--supervisors must be 0..99")
    args.admin_password = None if args.dry_run else _ask_password()
    state: dict[str, object] = {}
    steps = setup.plan(args, args.kontakt_bin or setup.kontakt_binary(), state)
    for done in setup.apply(steps, root, args, state, dry_run=args.dry_run):
        step = done.step
        where = f"{root}{step.path}" if step.path is not None else str(step.text)
        mode = f" (mode {step.mode:o})" if step.mode is not None else ""
        print(f"{done.outcome:<10} {where}{mode}" if step.what != "command"
              else f"{done.outcome}: {where}")
    admin = state.get("admin")
    if admin is not None and getattr(admin, "generated", False):
        print(f"administrator {admin.username}: password {admin.password}  (shown once: "
              "write it down, change it with `kontakt user passwd`)")
    if not args.dry_run:
        print(f"next: review {root}, connect the carrier, register the phones "
              "(README: Install on a server)")
    return 0


def _ask_password() -> str | None:
    """On a terminal the administrator's password is asked (twice); otherwise None
    (one is generated and printed once, if an administrator is added)."""
    import getpass
    import sys

    from kontakt.cli import UserError

    if not sys.stdin.isatty():
        return None
    first = getpass.getpass("password of the first administrator (empty: generate one): ")
    if not first:
        return None
    if first != getpass.getpass("again: "):
        raise UserError("the passwords differ")
    return first
