"""Migrated test databases, one helper for the fixtures of tests/channels,
tests/chat and tests/tickets: SQLite in a tmp file, or a private PostgreSQL
database created on 127.0.0.1:5432 and dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from infra.db import make_engine, make_sessionmaker
from kontakt.migrate import upgrade

PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/{}"
# The ``params`` of a database fixture: every test on both.
KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


async def pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres", database="test")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def migrated_url(
    kind: str, tmp_path: Path, *, label: str = "tickets", pg_prefix: str = "kontakt_test"
) -> tuple[str, str | None]:
    """A migrated database's URL and, on PostgreSQL, its name (to drop)."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / f'{label}.db'}"
        name = None
    else:
        name = f"{pg_prefix}_{uuid.uuid4().hex[:12]}"
        try:
            await pg_admin(f'CREATE DATABASE "{name}"')
        except OSError as e:  # .ci/services.sh starts it; without it, say so
            pytest.skip(f"PostgreSQL on 127.0.0.1:5432 not reachable: {e}")
        url = PG.format(name)
    await upgrade(url)
    return url, name


async def drop(name: str | None) -> None:
    if name:
        await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def migrated(kind: str, tmp_path: Path, label: str) -> AsyncIterator[str]:
    """A migrated database's URL (``kontakt_{label}_…`` on PostgreSQL), dropped after."""
    url, name = await migrated_url(kind, tmp_path, label=label, pg_prefix=f"kontakt_{label}")
    try:
        yield url
    finally:
        await drop(name)


@pytest.fixture
async def sm(db_url):
    """A session maker on the ``db_url`` fixture of the conftest that imports it."""
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    await engine.dispose()
