"""A migrated database on SQLite (tmp file) and on PostgreSQL (a private
database, created and dropped here) for the conversation tests."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from infra.db import make_engine, make_sessionmaker
from kontakt.migrate import upgrade

PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/{}"


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres", database="test")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(request, tmp_path):
    name = None
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"
    else:
        name = f"kontakt_chat_{uuid.uuid4().hex[:12]}"
        try:
            await _pg_admin(f'CREATE DATABASE "{name}"')
        except OSError as e:
            pytest.skip(f"PostgreSQL on 127.0.0.1:5432 not reachable: {e}")
        url = PG.format(name)
    await upgrade(url)
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
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()
