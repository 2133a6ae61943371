"""kontakt backup: create a dated archive (database, configuration, prompts,
settings) while the service runs; restore one onto a stopped service."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("backup", help="back up or restore database, configuration, secrets")
    s = p.add_subparsers(dest="backup_command", required=True, metavar="ACTION")
    c = s.add_parser("create", help="write one dated archive (safe while the service runs)")
    c.add_argument("--out", help="directory for the archive (default: setting backup_dir)")
    r = s.add_parser("restore", help="restore an archive (stop the service first)")
    r.add_argument("file", help="the archive (kontakt-backup-*.tar.gz)")
    r.add_argument("--to", required=True,
                   help="root to restore under: each file goes to DIR/<its original path>")
    r.add_argument("--force", action="store_true", help="overwrite files that exist")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from kontakt.backup import BackupError
    from kontakt.cli import UserError

    try:
        return _create(args) if args.backup_command == "create" else _restore(args)
    except BackupError as e:
        raise UserError(str(e), status=1) from None


def _create(args: argparse.Namespace) -> int:
    from kontakt import backup
    from kontakt.settings import Settings, settings_path

    settings = Settings.load(args.settings)
    found = settings_path(args.settings)
    source = backup.Source(
        database_url=settings.database_url,
        config=Path(settings.config) if settings.config else None,
        prompts=Path(settings.prompts_dir) if Path(settings.prompts_dir).exists() else None,
        settings=Path(found) if found else None)
    archive = backup.create(source, Path(args.out or settings.backup_dir))
    print(archive)
    return 0


def _restore(args: argparse.Namespace) -> int:
    from kontakt import backup

    done = backup.restore(Path(args.file), Path(args.to), force=args.force,
                          in_use=_running_service_files(args))
    for path in done.paths:
        print(f"restored {path}")
    if done.pg_dump is not None:
        print(f"load the PostgreSQL dump into the (empty) database with: "
              f"pg_restore --no-owner --dbname=DATABASE {done.pg_dump}")
    return 0


def _running_service_files(args: argparse.Namespace) -> list[Path]:
    """The database, configuration and settings of a `kontakt run` that is
    alive (its pid file names a live process); none when it is stopped."""
    import os

    from sqlalchemy.engine import make_url

    from kontakt.commands.config import pid_path
    from kontakt.settings import Settings, settings_path

    settings = Settings.load(args.settings)
    try:
        os.kill(int(pid_path(settings).read_text().strip()), 0)
    except PermissionError:  # alive, run by another user
        pass
    except (OSError, ValueError):  # no pid file, no such process, garbage
        return []
    files = [Path(p) for p in (settings.config, settings_path(args.settings)) if p]
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        files.append(Path(url.database))
    return files
