"""The configurations the editor replaced (table ``config_versions``,
revision 0013): every apply or rollback first keeps the text it replaces,
with who and when; the newest ``KEEP`` are kept, older ones deleted, so a
rollback works after the service restarts.

``id`` names a kept version (it never repeats); ``version`` is the number
the running configuration had in the process that replaced it (the holder
counts from 1 at each start, so it may repeat across restarts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base
from infra.logs import get_logger

log = get_logger()
KEEP = 20


class ConfigVersionRow(Base):
    __tablename__ = "config_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    text: Mapped[str] = mapped_column(Text)
    replaced_by: Mapped[str] = mapped_column(String(64))
    replaced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True)
class KeptVersion:
    id: int
    version: int | None
    text: str
    by: str
    replaced_at: datetime

    def public(self, with_text: bool = True) -> dict[str, Any]:
        at = self.replaced_at if self.replaced_at.tzinfo else self.replaced_at.replace(tzinfo=UTC)
        out: dict[str, Any] = {"id": self.id, "version": self.version, "by": self.by,
                               "replaced_at": at.isoformat()}
        if with_text:
            out["text"] = self.text
        return out


def _kept(r: ConfigVersionRow) -> KeptVersion:
    return KeptVersion(r.id, r.version, r.text, r.replaced_by, r.replaced_at)


class ConfigVersions:
    """The kept versions in the database (``sessionmaker``: async)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], keep: int = KEEP) -> None:
        self.sessionmaker, self.keep = sessionmaker, keep

    async def remember(self, text: str, version: int | None, by: str,
                       now: datetime | None = None) -> KeptVersion:
        """Keep ``text`` (the one being replaced), then drop all but the newest ``keep``."""
        async with self.sessionmaker() as s, s.begin():
            row = ConfigVersionRow(version=version, text=text, replaced_by=by[:64],
                                   replaced_at=now or datetime.now(UTC))
            s.add(row)
            await s.flush()
            newest = select(ConfigVersionRow.id).order_by(ConfigVersionRow.id.desc()) \
                .limit(self.keep)
            await s.execute(delete(ConfigVersionRow).where(ConfigVersionRow.id.not_in(newest)))
            kept = _kept(row)
        log.info("config.version_kept", id=kept.id, version=version, by=by)
        return kept

    async def newest(self) -> list[KeptVersion]:
        async with self.sessionmaker() as s:
            rows = (await s.scalars(select(ConfigVersionRow)
                                    .order_by(ConfigVersionRow.id.desc()).limit(self.keep))).all()
        return [_kept(r) for r in rows]

    async def find(self, *, id: int | None = None, version: int | None = None
                   ) -> KeptVersion | None:
        """By ``id``; or the newest kept with that running ``version``."""
        q = select(ConfigVersionRow)
        q = q.where(ConfigVersionRow.id == id) if id is not None else \
            q.where(ConfigVersionRow.version == version)
        async with self.sessionmaker() as s:
            row = (await s.scalars(q.order_by(ConfigVersionRow.id.desc()).limit(1))).first()
        return _kept(row) if row is not None else None
