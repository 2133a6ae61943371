"""Fixtures for the ticket tests: a migrated database on SQLite (tmp file)
and on PostgreSQL (a private database, created and dropped here), a private
Mosquitto, a settable clock."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from asterisk.ports import free_tcp_port
from infra.db import Base, make_engine
from tests.dbs import (
    KINDS,
    drop,
    migrated_url,
    sm,  # noqa: F401  (fixture)
)


@pytest.fixture(params=KINDS)
async def db_url(request, tmp_path):
    url, name = await migrated_url(request.param, tmp_path)
    engine = make_engine(url)
    import tickets.notify.jobs  # noqa: F401  (its table, until it has a revision)

    async with engine.begin() as conn:  # tables other engineers have not migrated yet
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()
    yield url
    await drop(name)


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
