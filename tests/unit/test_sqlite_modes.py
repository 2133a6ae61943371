"""SQLite transactions: reads never take the write lock, writers queue at one
gate, and a write nested in the same task's write fails at once (it used to
wait for itself for the 30 s busy timeout, stalling every writer)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy import event, text

from infra.db import NestedWrite, make_engine, make_sessionmaker


@pytest.fixture
async def db(tmp_path: Path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'k.db'}")
    begins: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _seen(_c, _cur, statement, *_a):  # type: ignore[no-untyped-def]
        if statement.startswith("BEGIN"):
            begins.append(statement)

    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    begins.clear()
    yield make_sessionmaker(engine), begins
    await engine.dispose()


async def count(sm) -> int:  # type: ignore[no-untyped-def]
    async with sm() as s:
        return int((await s.execute(text("SELECT count(*) FROM t"))).scalar_one())


async def test_a_read_is_deferred_and_a_begin_is_immediate(db) -> None:  # type: ignore[no-untyped-def]
    sm, begins = db
    await count(sm)
    async with sm() as s, s.begin():
        await s.execute(text("INSERT INTO t VALUES (1)"))
    async with sm.begin() as s:
        await s.execute(text("INSERT INTO t VALUES (2)"))
    assert begins == ["BEGIN DEFERRED", "BEGIN IMMEDIATE", "BEGIN IMMEDIATE"]


async def test_a_write_inside_an_open_read_does_not_wait(db) -> None:  # type: ignore[no-untyped-def]
    sm, _ = db
    started = time.monotonic()
    async with sm() as reading:
        await reading.execute(text("SELECT count(*) FROM t"))
        async with sm() as s, s.begin():  # e.g. the audit row of that read
            await s.execute(text("INSERT INTO t VALUES (1)"))
    assert time.monotonic() - started < 5
    assert await count(sm) == 1


async def test_a_write_nested_in_a_write_fails_at_once_and_frees_the_gate(db) -> None:  # type: ignore[no-untyped-def]
    sm, _ = db
    with pytest.raises(NestedWrite, match="inside another"):
        async with sm() as a, a.begin():
            await a.execute(text("INSERT INTO t VALUES (1)"))
            async with sm() as b, b.begin():
                pass
    assert await count(sm) == 0  # the outer one rolled back
    async with sm.begin() as s:  # and the gate is free again
        await s.execute(text("INSERT INTO t VALUES (2)"))
    assert await count(sm) == 1


async def test_many_writers_all_commit(db) -> None:  # type: ignore[no-untyped-def]
    sm, _ = db

    async def write(i: int) -> None:
        async with sm() as s, s.begin():
            await s.execute(text("INSERT INTO t VALUES (:i)"), {"i": i})
            await asyncio.sleep(0)  # yield inside the transaction

    await asyncio.gather(*(write(i) for i in range(300)))
    assert await count(sm) == 300
