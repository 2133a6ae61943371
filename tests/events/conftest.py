from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid

import pytest

from asterisk.ports import free_tcp_port
from kontakt.db import make_engine, make_sessionmaker


class Broker:
    """A private Mosquitto on a free port, so a test can stop and restart it."""

    def __init__(self, tmp) -> None:
        self.port = free_tcp_port()
        self.conf = tmp / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self.proc = subprocess.Popen(
            ["mosquitto", "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
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
        pytest.skip("mosquitto is installed by .ci/services.sh")
    b = Broker(tmp_path)
    await b.start()
    yield b
    b.stop()


def _pg_url(name: str) -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def sessionmaker(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'k.db'}")
        drop = None
    else:
        import asyncpg

        name = f"kontakt_test_{uuid.uuid4().hex[:10]}"
        try:
            conn = await asyncpg.connect(user="postgres", host="127.0.0.1", database="postgres")
        except OSError:
            pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()
        engine = make_engine(_pg_url(name))
        drop = name
    from kontakt.migrate import upgrade

    await upgrade(str(engine.url.render_as_string(hide_password=False)))
    yield make_sessionmaker(engine)
    await engine.dispose()
    if drop:
        import asyncpg

        conn = await asyncpg.connect(user="postgres", host="127.0.0.1", database="postgres")
        await conn.execute(f'DROP DATABASE "{drop}" WITH (FORCE)')
        await conn.close()
