"""Backups on SQLite and PostgreSQL: tickets written through the ticket
service, a backup taken while a task keeps opening tickets, a restore into
an empty directory, and every ticket committed before the backup started
found in the restored database with its whole history; the files and their
modes restored; a second restore refused without --force (exit 1, one
line, nothing touched), and with --force put back."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from infra.db import make_engine, make_sessionmaker
from kontakt import backup
from kontakt.cli import main as cli_main
from tests.dbs import PG, pg_admin
from tickets.domain import Actor
from tickets.service import TicketService
from tickets.store import TicketRow

OP = Actor("op1", "agent")
VOD = Actor("vod1", "department", "vodovod")
SUP = Actor("sup", "supervisor")


def _files(tmp_path: Path) -> tuple[Path, Path, Path]:
    config = tmp_path / "etc" / "kontakt.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("# the city's configuration\nlanguages: [sr]\n")
    prompts = tmp_path / "prompts"
    (prompts / "generated" / "sr").mkdir(parents=True)
    (prompts / "generated" / "sr" / "welcome.wav").write_bytes(b"RIFF" + os.urandom(2000))
    secrets = tmp_path / "etc" / "kontakt.toml"
    secrets.write_text('ami_secret = "s3cret"\n')
    secrets.chmod(0o600)
    return config, prompts, secrets


async def _open_with_history(svc: TicketService, i: int, ops: list[int] | None = None) -> str:
    ops = [0] if ops is None else ops  # ops[0]: commits so far
    t = await svc.open_ticket(OP, kind="complaint", subject=f"Нема воде {i}",
                              phone="064 123 4567", department="vodovod")
    ops[0] += 1
    await svc.change_status(VOD, t["number"], "active", "преузето")
    ops[0] += 1
    await svc.comment(VOD, t["number"], f"екипа {i} изашла")
    ops[0] += 1
    return str(t["number"])


async def _histories(sm, numbers) -> dict[str, list[tuple]]:
    svc = TicketService(sm)
    out = {}
    for n in numbers:
        out[n] = [(e["action"], e["old_status"], e["new_status"], e.get("text"))
                  for e in await svc.history(SUP, n)]
    return out


async def _all_numbers(sm) -> list[str]:
    async with sm() as s:
        return list((await s.scalars(select(TicketRow.number))).all())


async def _restored_url(db_url: str, restored: backup.Restored, to: Path) -> tuple[str, str]:
    if db_url.startswith("sqlite"):
        path = Path(db_url.split("///", 1)[1]).resolve()
        return f"sqlite+aiosqlite:///{to.resolve()}{path}", ""
    name = f"kontakt_restore_{uuid.uuid4().hex[:12]}"
    await pg_admin(f'CREATE DATABASE "{name}"')
    assert restored.pg_dump is not None
    subprocess.run(["pg_restore", "--no-owner", "-h", "127.0.0.1", "-U", "postgres",
                    "-d", name, str(restored.pg_dump)], check=True, capture_output=True)
    return PG.format(name), name


async def test_backup_during_writes_restores_every_ticket_with_history(db_url, tmp_path):
    engine = make_engine(db_url)
    sm = make_sessionmaker(engine)
    svc = TicketService(sm)
    config, prompts, secrets = _files(tmp_path)
    before = [await _open_with_history(svc, i) for i in range(25)]
    expected = await _histories(sm, before)

    written: list[str] = []
    ops = [0]
    halt, under_way = asyncio.Event(), asyncio.Event()

    async def keep_writing() -> None:
        i = 1000
        while not halt.is_set():
            written.append(await _open_with_history(svc, i, ops))
            if len(written) >= 3:
                under_way.set()
            i += 1

    writer = asyncio.create_task(keep_writing())
    out = tmp_path / "out"
    try:
        await asyncio.wait_for(under_way.wait(), 30)
        attempts = 0
        while attempts < 20:  # until a backup overlaps with commits
            attempts += 1
            committed = before + list(written)  # committed before this backup starts
            ops_before = ops[0]
            archive = await asyncio.to_thread(
                backup.create, backup.Source(db_url, config, prompts, secrets), out)
            if ops[0] > ops_before:
                break
            archive.unlink()  # it ran between two commits: no proof, take another
        assert ops[0] > ops_before, "no commit happened while any of 20 backups ran"
        print(f"tickets: {len(before)} first, {len(committed) - len(before)} by the writer "
              f"before the backup, {ops[0] - ops_before} commits while it ran "
              f"(attempt {attempts})")
        expected.update(await _histories(sm, committed[len(before):]))
    finally:
        halt.set()
        await writer
        await engine.dispose()

    assert archive.name.startswith("kontakt-backup-") and archive.name.endswith(".tar.gz")
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert not [p for p in out.iterdir() if p != archive]  # no leftovers

    to = tmp_path / "restored"
    restored = backup.restore(archive, to)
    url, pg_name = await _restored_url(db_url, restored, to)
    r_engine = make_engine(url)
    try:
        r_sm = make_sessionmaker(r_engine)
        got = await _histories(r_sm, list(expected))
        assert got == expected  # every committed ticket, its history entry for entry
        every = await _all_numbers(r_sm)
        assert set(committed) <= set(every)
        for n in every:  # a ticket caught mid-write is whole or absent, never half
            assert (await _histories(r_sm, [n]))[n][0][0] == "opened"
    finally:
        await r_engine.dispose()
        if pg_name:
            await pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')

    def under(p: Path) -> Path:
        return to.resolve() / str(p.resolve()).lstrip("/")

    assert under(config).read_text() == config.read_text()
    assert under(secrets).read_text() == secrets.read_text()
    assert stat.S_IMODE(under(secrets).stat().st_mode) == 0o600
    wav = prompts / "generated" / "sr" / "welcome.wav"
    assert under(wav).read_bytes() == wav.read_bytes()


def _settings_file(tmp_path: Path, db: Path) -> Path:
    config, prompts, _ = _files(tmp_path)
    s = tmp_path / "etc" / "kontakt.toml"
    s.write_text(f'database_url = "sqlite+aiosqlite:///{db}"\nconfig = "{config}"\n'
                 f'prompts_dir = "{prompts}"\nbackup_dir = "{tmp_path / "backups"}"\n'
                 'ami_secret = "s3cret"\n')
    return s


async def test_cli_create_restore_refuses_overwrite_without_force(sm, db_url, tmp_path,
                                                                  capsys):
    if not db_url.startswith("sqlite"):
        pytest.skip("the CLI path is the same for both; PostgreSQL is covered above")
    number = await _open_with_history(TicketService(sm), 1)
    settings = _settings_file(tmp_path, Path(db_url.split("///", 1)[1]))

    assert await asyncio.to_thread(cli_main, ["--settings", str(settings), "backup",
                                              "create"]) == 0
    archive = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert archive.parent == tmp_path / "backups"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and f"files{settings.resolve()}" in names

    to = tmp_path / "restored"
    args = ["backup", "restore", str(archive), "--to", str(to)]
    assert await asyncio.to_thread(cli_main, args) == 0
    restored_settings = to / str(settings.resolve()).lstrip("/")
    restored_settings.write_text("changed after the restore\n")

    assert await asyncio.to_thread(cli_main, args) == 1
    err = capsys.readouterr().err
    assert err.startswith("kontakt backup: ") and "use --force" in err
    assert len(err.strip().splitlines()) == 1
    assert restored_settings.read_text() == "changed after the restore\n"  # untouched

    assert await asyncio.to_thread(cli_main, [*args, "--force"]) == 0
    assert restored_settings.read_text() == settings.read_text()

    # A running service (its pid file names a live process: this one) is
    # never restored over, --force or not; nothing is written.
    run = tmp_path / "run"
    run.mkdir()
    (run / "kontakt.pid").write_text(f"{os.getpid()}\n")
    with settings.open("a") as fh:
        fh.write(f'run_dir = "{run}"\n')
    live = settings.read_text()
    assert await asyncio.to_thread(cli_main, [
        "--settings", str(settings), "backup", "restore", str(archive), "--to", "/",
        "--force"]) == 1
    err = capsys.readouterr().err
    assert "belongs to the running service; stop it" in err
    assert settings.read_text() == live
    url = f"sqlite+aiosqlite:///{to.resolve()}{Path(db_url.split('///', 1)[1]).resolve()}"
    engine = make_engine(url)
    try:
        assert number in await _all_numbers(make_sessionmaker(engine))
    finally:
        await engine.dispose()


def test_restore_refuses_what_is_not_a_backup(tmp_path, capsys):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar")
    assert cli_main(["backup", "restore", str(junk), "--to", str(tmp_path / "x")]) == 1
    assert "is not a kontakt backup" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    assert cli_main(["backup", "restore", str(tmp_path / "none.tar.gz"), "--to",
                     str(tmp_path / "x")]) == 1
    assert "no such file" in capsys.readouterr().err
