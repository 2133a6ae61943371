"""kontakt config: check a configuration file, or reload the running one.

``kontakt config check [PATH]`` prints every problem as ``file:line: message``
and exits 1 if there is any.  ``kontakt config reload`` checks the file the
setting ``config`` names and, when it is good and a ``kontakt run`` is
running (its pid in the ``pid_file`` setting, default RUN_DIR/kontakt.pid),
sends it SIGHUP; the engine then swaps the configuration with
``ConfigHolder.reload()`` (see ``install_reload_signal``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("config", help="check a configuration file, reload the running one")
    s = p.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    c = s.add_parser("check", help="report every problem as file:line: message (exit 1 if any)")
    c.add_argument("path", nargs="?", help="file to check (default: setting config, or the "
                                           "shipped default)")
    r = s.add_parser("reload", help="check the configuration and make `kontakt run` use it")
    r.add_argument("path", nargs="?", help="file to check first (default: setting config)")
    p.set_defaults(func=main)


def config_path(settings: Any, path: str | None = None) -> str | None:
    """The configuration file a command works on (None: the shipped default)."""
    return path or settings.config or None


def pid_path(settings: Any) -> Path:
    return Path(settings.pid_file or Path(settings.run_dir) / "kontakt.pid")


def write_pid_file(settings: Any) -> Path:
    """For `kontakt run`: record this process so `kontakt config reload` finds it."""
    p = pid_path(settings)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(f"{os.getpid()}\n")
    return p


def remove_pid_file(settings: Any) -> None:
    p = pid_path(settings)
    try:
        if p.read_text().strip() == str(os.getpid()):
            p.unlink()
    except OSError:
        pass


def install_reload_signal(holder: Any, loop: asyncio.AbstractEventLoop | None = None) -> None:
    """For `kontakt run`: SIGHUP reloads ``holder`` (a bad file is refused and logged)."""
    from infra.logs import get_logger

    log = get_logger()

    def reload() -> None:
        issues = holder.reload()
        if issues:
            log.warning("config.reload_refused", file=str(holder.source),
                        issues=[str(i) for i in issues])
        else:
            log.info("config.reloaded", file=str(holder.source), version=holder.version)

    (loop or asyncio.get_running_loop()).add_signal_handler(signal.SIGHUP, reload)


def _check(path: str | None) -> int:
    from dialplan.loader import ConfigInvalid, default_path, load_config

    try:
        cfg = load_config(path)
    except ConfigInvalid as e:
        for issue in e.issues:
            print(issue, file=sys.stderr)
        n = len(e.issues)
        print(f"{path or default_path()}: {n} problem{'s' if n != 1 else ''}", file=sys.stderr)
        return 1
    print(f"{cfg.source}: OK ({', '.join(lg.code for lg in cfg.languages)}; "
          f"{len(cfg.numbers)} numbers, {len(cfg.ivr.menus)} menus, "
          f"{len(cfg.departments)} departments)")
    return 0


def _reload(settings: Any, path: str | None) -> int:
    from kontakt.cli import UserError

    status = _check(path)
    if status:
        print("refused: the running configuration stays", file=sys.stderr)
        return status
    if path and settings.config and Path(path).resolve() != Path(settings.config).resolve():
        raise UserError(f"{path} is good, but `kontakt run` reads {settings.config} "
                        "(setting config): copy it there first")
    pidfile = pid_path(settings)
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        print(f"no running `kontakt run` (no pid in {pidfile}): nothing to reload")
        return 0
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        print(f"no running `kontakt run` (stale pid {pid} in {pidfile}): nothing to reload")
        return 0
    except PermissionError:
        raise UserError(f"not allowed to signal pid {pid} (from {pidfile})") from None
    print(f"sent SIGHUP to kontakt run (pid {pid}); it swaps the configuration for new calls")
    return 0


def main(args: argparse.Namespace) -> int:
    from kontakt.settings import Settings

    settings = Settings.load(args.settings)
    path = config_path(settings, args.path)
    if args.config_command == "check":
        return _check(path)
    return _reload(settings, path)
