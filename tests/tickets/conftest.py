"""Fixtures for the ticket tests: a migrated database on SQLite (tmp file)
and on PostgreSQL (a private database, created and dropped here), a private
Mosquitto, a settable clock."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from asterisk.ports import free_tcp_port
from infra.db import Base, make_engine, make_sessionmaker
from kontakt.migrate import upgrade

PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/{}"


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres", database="test")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def migrated_url(kind: str, tmp_path) -> tuple[str, str | None]:
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'tickets.db'}"
        name = None
    else:
        name = f"kontakt_test_{uuid.uuid4().hex[:12]}"
        try:
            await _pg_admin(f'CREATE DATABASE "{name}"')
        except OSError as e:  # .ci/services.sh starts it; without it, say so
            pytest.skip(f"PostgreSQL on 127.0.0.1:5432 not reachable: {e}")
        url = PG.format(name)
    await upgrade(url)
    return url, name


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(request, tmp_path):
    url, name = await migrated_url(request.param, tmp_path)
    engine = make_engine(url)
    import tickets.notify.jobs  # noqa: F401  (its table, until it has a revision)

    async with engine.begin() as conn:  # tables other engineers have not migrated yet
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()
    yield url
    if name:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def sm(db_url):
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock():
    return Clock()


class Broker:
    """A private Mosquitto on a free port, to stop and start inside a test."""

    def __init__(self, tmp) -> None:
        self.port = free_tcp_port()
        self.conf = tmp / "mosquitto.conf"
        self.conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\nuser root\n"
                             f"persistence true\npersistence_location {tmp}/\n"
                             f"log_dest file {tmp}/mosquitto.log\nlog_type all\n")
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self.proc = subprocess.Popen(["mosquitto", "-c", str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                _, w = await asyncio.open_connection("127.0.0.1", self.port)
                w.close()
                return
            except OSError:
                await asyncio.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)


@pytest.fixture
async def broker(tmp_path):
    if shutil.which("mosquitto") is None:
        pytest.skip("mosquitto is not installed")
    b = Broker(tmp_path)
    yield b
    b.stop()
