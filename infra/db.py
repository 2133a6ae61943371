"""Database engine: one place that knows SQLite from PostgreSQL.

SQLite gets WAL, a busy timeout and a transaction mode per use:

- a session's explicit ``begin()`` is a writer: ``BEGIN IMMEDIATE`` (a
  deferred transaction that later upgrades can fail with SQLITE_BUSY despite
  the busy timeout), after taking this process's writer gate;
- a session used without ``begin()`` only reads: plain ``BEGIN``.  In WAL a
  reader never waits and never blocks a writer.  Reads used to take the write
  lock too, so an HTTP read that awaited an audit write (its own session)
  held the lock its own audit waited for: every writer stalled for the 30 s
  busy timeout, then failed at once;
- Core ``engine.begin()`` (migrations) stays ``BEGIN IMMEDIATE``.

The writer gate is one asyncio lock per engine: SQLite runs one writer at a
time anyway, and queueing in the event loop is first come first served, while
its busy handler's sleep-and-retry lets newcomers overtake a waiter until it
times out.  A write begun inside another write of the same task could never
get the lock; it fails at once, naming the cause.  PostgreSQL (asyncpg) needs
none of this.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from infra import raw_sqlite

GATE_TIMEOUT = 30.0  # the busy timeout's figure: the worst case stays what it was
WRITE = {"sqlite_begin": "IMMEDIATE"}  # the connection option a writer asks for


class Base(DeclarativeBase):
    """Shared metadata for every table of kontakt (tickets, events, users...)."""


class NestedWrite(RuntimeError):
    """A write transaction begun while this task's own write holds SQLite."""


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kw: Any) -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(
            url, connect_args={"timeout": 30, "isolation_level": None}, **kw
        )
        _sqlite_pragmas(engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kw)


def _sqlite_pragmas(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # isolation_level=None hands transaction control to us (see "begin").
        cur = dbapi_conn.cursor()
        for pragma in raw_sqlite.PRAGMAS:
            cur.execute(pragma)
        cur.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Only a session's begin() asks for a writer (see Session); a plain
        # read, or Core's engine.begin() of the migrations, begins deferred.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


class _Gate:
    """This process's turn at SQLite's single writer slot."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.owner: asyncio.Task[Any] | None = None


class Session(AsyncSession):
    """An AsyncSession whose explicit ``begin()`` is a gated SQLite writer."""

    _gate: _Gate | None = None  # set per engine by make_sessionmaker

    def begin(self) -> Any:
        if self._gate is None:
            return super().begin()
        return _gated(self, self._gate, super().begin())


@contextlib.asynccontextmanager
async def _turn(gate: _Gate) -> AsyncIterator[None]:
    """This task's turn at the writer gate (first come first served)."""
    me = asyncio.current_task()
    if me is not None and gate.owner is me:
        raise NestedWrite("a write transaction was begun inside another of the same task; "
                          "SQLite would wait for itself: finish the first one before")
    try:
        await asyncio.wait_for(gate.lock.acquire(), GATE_TIMEOUT)
    except TimeoutError as exc:
        raise OperationalError("BEGIN IMMEDIATE", None,
                               Exception("database is locked (writer gate)")) from exc
    gate.owner = me
    try:
        yield
    finally:
        # SQLAlchemy may run this exit in a task of its own: owner, not context.
        gate.owner = None
        gate.lock.release()


@contextlib.asynccontextmanager
async def _gated(session: AsyncSession, gate: _Gate, transaction: Any) -> AsyncIterator[Any]:
    async with _turn(gate), transaction as t:
        # Take the connection now, as a writer: BEGIN IMMEDIATE.
        await session.connection(execution_options=WRITE)
        yield t


@contextlib.asynccontextmanager
async def core_write(sessionmaker: async_sessionmaker[Any]) -> AsyncIterator[AsyncConnection]:
    """A Core write transaction (no ORM session, no unit of work) at the same
    writer gate as a session's ``begin()``: for the hot paths that only run
    statements (the event log's batch, the outbox's marks).  Per transaction
    it saves the session's bookkeeping, about half of its CPU."""
    engine: AsyncEngine = sessionmaker.kw["bind"]
    gate: _Gate | None = getattr(sessionmaker.class_, "_gate", None)
    if gate is None:
        async with engine.begin() as conn:
            yield conn
        return
    async with _turn(gate), engine.connect() as conn:
        conn = await conn.execution_options(**WRITE)
        async with conn.begin():
            yield conn


def core_read(sessionmaker: async_sessionmaker[Any]) -> Any:
    """A Core connection for reads (SQLite: deferred, never waits in WAL)."""
    engine: AsyncEngine = sessionmaker.kw["bind"]
    return engine.connect()


T = TypeVar("T")


class BatchWriter:
    """Runs one write transaction at the writer gate: ``core(connection)``
    (Core statements) on PostgreSQL over the async connection, and
    ``raw(sqlite3_connection)`` on SQLite in one trip to a thread of its own
    with a connection of its own.  Through aiosqlite and SQLAlchemy every
    cursor step was a trip to aiosqlite's thread and back (12 for the event
    log's batch) and SQLAlchemy's execution cost more than SQLite's work:
    together a good part of the engine's CPU per call."""

    def __init__(self, sessionmaker: async_sessionmaker[Any]) -> None:
        self._sessionmaker = sessionmaker
        self._gate: _Gate | None = getattr(sessionmaker.class_, "_gate", None)
        self._path = sessionmaker.kw["bind"].url.database or ""
        self._raw: sqlite3.Connection | None = None  # opened in the thread
        self._thread: ThreadPoolExecutor | None = None
        # A database in memory is the engine's own: no second connection to it.
        if self._gate is not None and self._path not in ("", ":memory:"):
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="kontakt-db-writer")

    async def run(self, core: Callable[[Connection], T],
                  raw: Callable[[sqlite3.Connection], T]) -> T:
        if self._gate is None or self._thread is None:
            async with core_write(self._sessionmaker) as conn:
                return await conn.run_sync(core)
        async with _turn(self._gate):
            return await asyncio.get_running_loop().run_in_executor(
                self._thread, self._transaction, raw)

    def _transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._raw is None:
            self._raw = raw_sqlite.connect(self._path)
        conn = self._raw
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return result

    def close(self) -> None:
        if self._thread is not None:
            self._thread.submit(self._close_raw).result()
            self._thread.shutdown(wait=True)
            self._thread = None

    def _close_raw(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[Any]:
    if engine.dialect.name != "sqlite":
        return async_sessionmaker(engine, expire_on_commit=False)
    gated = type("GatedSession", (Session,), {"_gate": _Gate()})
    return async_sessionmaker(engine, expire_on_commit=False, class_=gated)
