"""Backups: one dated archive of the database, the configuration, the
prompts and the settings (secrets) file, and its restore.

``create`` takes the database while the service runs and writes: SQLite
through the online backup API (a consistent snapshot however many writers
there are), PostgreSQL through ``pg_dump`` (one transaction snapshot).
Files are stored under their absolute path (``files/etc/kontakt/...``), so
``restore(archive, DIR)`` puts each at ``DIR/<its path>``: an empty
directory for a look, ``/`` (with ``force``) to put a server back, the
service stopped.  Everything is checked before anything is written: a
restore that would overwrite a file refuses (without ``force``) and writes
nothing.  Archives hold secrets: they are written mode 600.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy.engine import make_url

FORMAT = 1
PG_DUMP = "database/kontakt.pgdump"  # where a PostgreSQL dump sits, in the archive and DIR


class BackupError(Exception):
    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code, self.details = code, details


@dataclass(frozen=True)
class Source:
    """What a backup is made of (from the settings)."""

    database_url: str
    config: Path | None = None  # dialplan/IVR configuration file
    prompts: Path | None = None  # prompts directory
    settings: Path | None = None  # the TOML settings file, with the secrets


@dataclass(frozen=True)
class Restored:
    paths: tuple[Path, ...]
    pg_dump: Path | None  # a PostgreSQL dump to load with pg_restore


# -- create ------------------------------------------------------------------------------


def create(source: Source, out_dir: Path,
           now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Path:
    files = _files(source)  # check everything first
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".kontakt-backup-", dir=out_dir))  # mode 700
    try:
        started = now()
        database = _snapshot(source.database_url, work)
        manifest = {"format": FORMAT, "started": started.isoformat(),
                    "database": database["manifest"],
                    "files": [{"role": role, "path": str(p)} for role, p in files]}
        archive = _archive_name(out_dir, started)
        tmp = work / "archive.tar.gz"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh, tarfile.open(fileobj=fh, mode="w:gz") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
            tar.add(database["file"], arcname=database["arcname"], recursive=False)
            for _role, path in files:
                for f in _walk(path):
                    tar.add(f, arcname=_arcname(f), recursive=False)
        os.replace(tmp, archive)
        return archive
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _files(source: Source) -> list[tuple[str, Path]]:
    found = []
    for role, path in (("config", source.config), ("prompts", source.prompts),
                       ("settings", source.settings)):
        if path is None:
            continue
        path = Path(path).resolve()
        if not path.exists():
            raise BackupError("backup.missing", f"{role} {path} does not exist",
                              role=role, path=str(path))
        found.append((role, path))
    return found


def _walk(path: Path) -> Iterator[Path]:
    """Regular files only (a link or a device never goes into a backup)."""
    if path.is_file() and not path.is_symlink():
        yield path
    elif path.is_dir():
        for f in sorted(path.rglob("*")):
            if f.is_file() and not f.is_symlink():
                yield f


def _arcname(path: Path) -> str:
    return "files/" + str(path.resolve()).lstrip("/")


def _archive_name(out_dir: Path, at: datetime) -> Path:
    stem = f"kontakt-backup-{at.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    for n in range(1, 100):
        candidate = out_dir / (f"{stem}.tar.gz" if n == 1 else f"{stem}-{n}.tar.gz")
        if not candidate.exists():
            return candidate
    raise BackupError("backup.exists", f"too many backups named {stem} in {out_dir}")


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def _snapshot(url: str, work: Path) -> dict[str, Any]:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return _sqlite_snapshot(u.database, work)
    if u.get_backend_name() == "postgresql":
        return _pg_dump(u, work)
    raise BackupError("backup.unsupported_database",
                      f"cannot back up a {u.get_backend_name()} database", url=str(u))


def _sqlite_snapshot(database: str | None, work: Path) -> dict[str, Any]:
    if not database or database == ":memory:":
        raise BackupError("backup.no_database_file", "the SQLite database is not a file")
    path = Path(database).resolve()
    if not path.is_file():
        raise BackupError("backup.missing", f"database {path} does not exist", path=str(path))
    copy = work / "database.sqlite"
    # The online backup API copies a consistent snapshot while others write;
    # timeout: wait out a writer's lock instead of failing.
    src = sqlite3.connect(path, timeout=30)
    dst = sqlite3.connect(copy)
    try:
        src.backup(dst)
    except sqlite3.Error as e:
        raise BackupError("backup.database_failed", f"database {path}: {e}") from None
    finally:
        dst.close()
        src.close()
    os.chmod(copy, path.stat().st_mode & 0o777)
    return {"file": copy, "arcname": _arcname(path),
            "manifest": {"kind": "sqlite", "path": str(path)}}


def _pg_dump(u: Any, work: Path) -> dict[str, Any]:
    if shutil.which("pg_dump") is None:
        raise BackupError("backup.pg_dump_missing",
                          "pg_dump is not installed (apt install postgresql-client)")
    out = work / "kontakt.pgdump"
    cmd = ["pg_dump", "--format=custom", "--no-owner", f"--file={out}",
           f"--host={u.host or '127.0.0.1'}", f"--port={u.port or 5432}"]
    if u.username:
        cmd.append(f"--username={u.username}")
    cmd.append(u.database or "postgres")
    # The password goes through the environment, never the command line (ps shows that).
    env = {**os.environ, "PGPASSWORD": u.password} if u.password else None
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600,
                          check=False)
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["failed"])[0]
        raise BackupError("backup.pg_dump_failed", f"pg_dump: {first}", database=u.database)
    return {"file": out, "arcname": PG_DUMP,
            "manifest": {"kind": "postgresql", "url": u.render_as_string(hide_password=True),
                         "file": PG_DUMP}}


# -- restore -----------------------------------------------------------------------------


def manifest_of(archive: Path) -> dict[str, Any]:
    with _open(archive) as tar:
        return _manifest(tar, archive)


def restore(archive: Path, to_dir: Path, *, force: bool = False,
            in_use: Collection[Path] = ()) -> Restored:
    """``in_use``: files of a running service, which a restore never overwrites."""
    with _open(archive) as tar:
        manifest = _manifest(tar, archive)
        plan = _plan(tar, to_dir)  # every member checked before one is written
        busy = {p.resolve() for p in in_use} & {target for _m, target in plan}
        if busy:
            raise BackupError("backup.service_running",
                              f"{sorted(busy)[0]} belongs to the running service; stop it "
                              "before restoring over it", in_use=[str(p) for p in busy])
        existing = [target for _m, target in plan if target.exists()]
        if existing and not force:
            more = f" and {len(existing) - 1} more" if len(existing) > 1 else ""
            raise BackupError("backup.would_overwrite",
                              f"{existing[0]}{more} already exist; use --force to overwrite",
                              existing=[str(p) for p in existing])
        for member, target in plan:
            _write(tar, member, target)
    if manifest["database"]["kind"] == "sqlite":  # a stale journal would undo the restore
        db = _target(to_dir, _arcname(Path(manifest["database"]["path"])))
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    pg = _target(to_dir, PG_DUMP) if manifest["database"]["kind"] == "postgresql" else None
    return Restored(tuple(t for _m, t in plan), pg)


def _open(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, "r:gz")
    except FileNotFoundError:
        raise BackupError("backup.not_found", f"{archive}: no such file") from None
    except (tarfile.TarError, OSError) as e:
        raise BackupError("backup.not_an_archive",
                          f"{archive} is not a kontakt backup ({e})") from None


def _manifest(tar: tarfile.TarFile, archive: Path) -> dict[str, Any]:
    try:
        fh = tar.extractfile("manifest.json")
        manifest = json.loads(fh.read()) if fh else None
    except (KeyError, ValueError, tarfile.TarError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("backup.not_an_archive",
                          f"{archive} is not a kontakt backup (no manifest of format {FORMAT})")
    return manifest


def _plan(tar: tarfile.TarFile, to_dir: Path) -> list[tuple[tarfile.TarInfo, Path]]:
    plan = []
    for member in tar.getmembers():
        if member.name == "manifest.json":
            continue
        name = PurePosixPath(member.name)
        if (not member.isfile() or name.is_absolute() or ".." in name.parts
                or name.parts[0] not in ("files", "database")):
            raise BackupError("backup.bad_member",
                              f"refusing archive member {member.name!r}", member=member.name)
        plan.append((member, _target(to_dir, member.name)))
    return plan


def _target(to_dir: Path, arcname: str) -> Path:
    parts = PurePosixPath(arcname).parts
    rel = parts[1:] if parts[0] == "files" else parts
    return to_dir.resolve().joinpath(*rel)


def _write(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    src = tar.extractfile(member)
    assert src is not None  # a regular file, checked in _plan
    tmp = target.with_name(f".{target.name}.restoring")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, member.mode & 0o777)
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(src, out)
    os.chmod(tmp, member.mode & 0o777)  # whatever the umask said
    os.replace(tmp, target)
