"""Core statements compiled once for SQLite and run on the raw ``sqlite3``
cursor: the hot write path of the engine's event log (``infra.db.
BatchWriter``).  SQLAlchemy's execution of a statement (its context, result
and bind machinery) cost more CPU than SQLite's own work for a batch of a
few rows; here each value still passes through its column's own bind
processor, so the rows are stored exactly as SQLAlchemy would store them and
read back by it unchanged."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import FromClause, TableClause, insert
from sqlalchemy.dialects import sqlite

_DIALECT = sqlite.dialect()
PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA busy_timeout=30000",
           "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON")


def connect(path: str) -> sqlite3.Connection:
    """A connection as ``infra.db`` sets up SQLite's (WAL, busy timeout...);
    transactions are begun and ended by hand (``isolation_level=None``)."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    return conn


class RawInsert:
    """``INSERT INTO table (columns) VALUES (?, ...)`` for rows given as dicts."""

    def __init__(self, table: FromClause, columns: Sequence[str]) -> None:
        self.table, self.columns = table, tuple(columns)
        stmt = insert(cast(TableClause, table))
        self.sql = str(stmt.compile(dialect=_DIALECT, column_keys=list(columns)))
        self._convert: list[Callable[[Any], Any] | None] = [
            table.c[c].type._cached_bind_processor(_DIALECT) for c in self.columns]

    def values(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(row[c] if f is None else f(row[c])
                     for c, f in zip(self.columns, self._convert, strict=True))

    def many(self, cur: sqlite3.Cursor, rows: Sequence[Mapping[str, Any]]) -> None:
        cur.executemany(self.sql, [self.values(r) for r in rows])

    def returning(self, cur: sqlite3.Cursor, rows: Sequence[Mapping[str, Any]],
                  *returned: str) -> list[tuple[Any, ...]]:
        """One multi-row statement ``RETURNING returned``: SQLite gives no
        RETURNING rows from ``executemany``."""
        sql = self._returning_sql(len(rows), returned)
        return cur.execute(sql, [v for r in rows for v in self.values(r)]).fetchall()

    @lru_cache(maxsize=64)  # noqa: B019  (a few batch sizes, statements live all day)
    def _returning_sql(self, n: int, returned: tuple[str, ...]) -> str:
        head, _, one = self.sql.partition(" VALUES ")
        return f"{head} VALUES {', '.join([one] * n)} RETURNING {', '.join(returned)}"


def bind(table: FromClause, column: str, value: Any) -> Any:
    """``value`` as ``column`` stores it (a datetime as SQLAlchemy's text)."""
    convert = table.c[column].type._cached_bind_processor(_DIALECT)
    return value if convert is None else convert(value)
