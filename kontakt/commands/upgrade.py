"""kontakt upgrade: take the new code into service without dropping a call.

Run after the new version is installed (the running engine is still the old
one).  In order: a backup; SIGTERM to the running `kontakt run` (its FastAGI
listener closes: callers waiting in the engine and new calls go on to the
dialplan's app_queue fallback, talking calls are Asterisk's bridges and are
not touched); once it has exited, the database migrations; then the new
engine is started (``--start``, by default through systemd) and the command
waits until it answers on its control socket.  During the gap app_queue
serves the callers; the new engine takes the calls that come after it."""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("upgrade", help="migrate the database and restart the engine "
                                       "while calls go on (backup first)")
    p.add_argument("--start", default="systemctl start kontakt.service",
                   help="how the new engine is started ('' : not started here)")
    p.add_argument("--no-backup", action="store_true", help="skip the backup before migrating")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="seconds to wait for the old engine to stop and the new one to answer")
    p.set_defaults(func=main)


def _pid(path: Path) -> int | None:
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
    except PermissionError:
        return pid
    except (OSError, ValueError):
        return None
    return pid


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours (tests) counts as gone.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait(cond, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def main(args: argparse.Namespace) -> int:
    from kontakt import control, migrate
    from kontakt.cli import UserError
    from kontakt.commands.config import pid_path
    from kontakt.settings import Settings

    settings = Settings.load(args.settings)
    t0 = time.monotonic()
    if not args.no_backup:
        from kontakt.commands.backup import _create

        print("backup: ", end="", flush=True)
        _create(argparse.Namespace(settings=args.settings, out=None))
    pid_file = pid_path(settings)
    old = _pid(pid_file)
    if old is not None:
        os.kill(old, signal.SIGTERM)
        print(f"stopping engine (pid {old}): callers go to app_queue meanwhile", flush=True)
        if not _wait(lambda: not _alive(old), args.timeout):
            raise UserError(f"the engine (pid {old}) did not stop within {args.timeout:.0f} s; "
                            "nothing migrated", status=1)
        gap = time.monotonic()
    else:
        print("no engine running", flush=True)
        gap = time.monotonic()
    asyncio.run(migrate.upgrade(settings.database_url))
    print(f"database at revision {migrate.head()}", flush=True)
    if not args.start:
        print("new engine not started (--start ''): start it now")
        return 0
    r = subprocess.run(shlex.split(args.start), stdin=subprocess.DEVNULL, check=False)
    if r.returncode != 0:
        raise UserError(f"{args.start!r} exited with {r.returncode}", status=1)
    sock = Path(settings.run_dir) / "control.sock"

    def answers() -> bool:
        new = _pid(pid_file)
        if new is None or new == old:
            return False
        try:
            asyncio.run(control.call(sock, {"op": "status"}, timeout=2))
        except (OSError, TimeoutError, ValueError):
            return False
        return True

    if not _wait(answers, args.timeout):
        raise UserError(f"the new engine did not answer on {sock} within {args.timeout:.0f} s",
                        status=1)
    now = time.monotonic()
    print(f"new engine (pid {_pid(pid_file)}) serving; app_queue alone for {now - gap:.1f} s, "
          f"upgrade took {now - t0:.1f} s")
    return 0
