"""Database engine: one place that knows SQLite from PostgreSQL.

SQLite gets WAL, a busy timeout and ``BEGIN IMMEDIATE`` for every transaction,
so concurrent async writers queue up instead of failing with "database is
locked".  PostgreSQL (asyncpg) needs nothing special.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Shared metadata for every table of kontakt (tickets, events, users...)."""


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
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Take the write lock up front: a deferred transaction that later
        # upgrades to a writer can fail with SQLITE_BUSY despite busy_timeout.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[Any]:
    return async_sessionmaker(engine, expire_on_commit=False)
