"""The outbox row: a change and its MQTT message commit together.

``add_event(session, topic, payload)`` writes a row in the caller's
transaction (a ticket change, an ACD event...).  Delivering the rows to MQTT
is ``kontakt.outbox.OutboxPublisher``'s job; this leaf holds only the table
and the write, so the domain packages can add events without importing the
composition root.

Topics are stored without the prefix (``tickets/vodovod/NS-2027-000123``).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, bindparam, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from infra import raw_sqlite
from infra.db import Base


class OutboxRow(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    topic: Mapped[str] = mapped_column(String(300))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True, slots=True)
class Committed:
    """An outbox row its writer has just committed, handed to the publisher
    so it need not read the row back (``OutboxPublisher.notify(rows)``)."""

    id: int
    topic: str
    payload: str


_T = OutboxRow.__table__.c
# Built once: the hot paths run them several times a second.
MARK_PUBLISHED = (update(OutboxRow).where(_T.id.in_(bindparam("ids", expanding=True)))
         .values(published_at=bindparam("now")))


class Delivered:
    """Rows the broker acknowledged, not yet marked published.  Whichever
    write transaction comes first marks them: the event log's next batch (one
    statement more, no transaction of its own) or the publisher's own UPDATE
    when the log is quiet.  Until then a restart would re-send them, which
    consumers drop by event id (QoS 1 may repeat anyway)."""

    def __init__(self) -> None:
        self.ids: set[int] = set()

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, row_id: object) -> bool:
        return row_id in self.ids

    def add(self, ids: Iterable[int]) -> None:
        self.ids.update(ids)

    def snapshot(self) -> list[int]:
        return sorted(self.ids)

    def marked(self, ids: Iterable[int]) -> None:
        self.ids.difference_update(ids)


def mark_batches(ids: list[int], now: datetime) -> list[dict[str, Any]]:
    """``MARK_PUBLISHED``'s parameters for ``ids``: a statement's stay few."""
    return [{"ids": ids[i:i + 500], "now": now} for i in range(0, len(ids), 500)]


async def mark_published(conn: AsyncConnection, ids: list[int], now: datetime) -> None:
    for params in mark_batches(ids, now):
        await conn.execute(MARK_PUBLISHED, params)


def mark_published_raw(cur: sqlite3.Cursor, ids: list[int], now: datetime) -> None:
    """``MARK_PUBLISHED`` on SQLite's own cursor (``infra.db.BatchWriter``)."""
    published = raw_sqlite.bind(OutboxRow.__table__, "published_at", now)
    for params in mark_batches(ids, now):
        chunk = params["ids"]
        marks = ", ".join("?" * len(chunk))
        cur.execute(f"UPDATE outbox SET published_at = ? WHERE id IN ({marks})",
                    [published, *chunk])


def outbox_values(topic: str, payload: dict[str, Any], body: str,
                  now: datetime) -> dict[str, Any]:
    """An outbox row's values for a payload that already has its ``event_id``
    and ``ts`` and is serialised as ``body`` (the event log's bulk insert)."""
    return {"event_id": payload["event_id"], "topic": topic, "payload": body, "created_at": now,
            "published_at": None}


def outbox_row(topic: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The values of the row ``add_event`` adds (for a multi-row INSERT)."""
    now = datetime.now(UTC)
    body = {"event_id": str(uuid.uuid4()), "ts": now.isoformat(), **payload}
    return {"event_id": body["event_id"], "topic": topic,
            "payload": json.dumps(body, ensure_ascii=False, default=str), "created_at": now,
            "published_at": None}


def add_event(session: AsyncSession, topic: str, payload: dict[str, Any]) -> str:
    """Add an outbox row in ``session``'s transaction; returns the event id.

    ``payload`` gets ``event_id`` (uuid4, kept if already there) and ``ts``
    (ISO 8601 UTC).  Nothing is flushed or committed here.
    """
    row = outbox_row(topic, payload)
    session.add(OutboxRow(**row))
    return str(row["event_id"])
