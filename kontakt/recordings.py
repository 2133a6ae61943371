"""Call recordings: MixMonitor when setting ``recording`` is on, after a
notice in the citizen's language; each recording linked to its call (the
Asterisk uniqueid) and through it to the call's ticket; played in the
browser by the supervisors and the operator who handled the call, by
department staff only when shared with their department; every playback
audited; deleted after ``recording_days`` by the retention job."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base
from infra.logs import get_logger

log = get_logger()
_UID = re.compile(r"[0-9]{1,20}\.[0-9]{1,10}")
NOTICE = "recording_notice"  # the prompt id


class RecordingRow(Base):
    __tablename__ = "recordings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uniqueid: Mapped[str] = mapped_column(String(40), unique=True)
    path: Mapped[str] = mapped_column(String(400))
    language: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    shared_department: Mapped[str | None] = mapped_column(String(64))


class RecordingError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


class Recorder:
    """Wraps the engine's router: a call going to an operator hears the notice
    in its language, then MixMonitor records it (``b``: only while bridged)."""

    def __init__(self, sessionmaker: Any, folder: Path,
                 notice: Callable[[str], str | None],
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.sessionmaker, self.folder, self.notice, self.now = sessionmaker, folder, notice, now

    def wrap(self, router: Callable[[Any], Awaitable[Any]]) -> Callable[[Any], Awaitable[Any]]:
        from dialplan.outcome import Action

        async def recording_router(agi: Any) -> Any:
            out = await router(agi)
            if out.action is Action.QUEUE:
                await self.start(agi, out.language)
            return out

        return recording_router

    async def start(self, agi: Any, language: str) -> None:
        uid = agi.uniqueid
        if not _UID.fullmatch(uid or ""):
            log.warning("recording.bad_uniqueid", uniqueid=uid)
            return
        path = self.folder / f"{uid}.wav"
        notice = self.notice(language)
        if notice:
            await agi.command(f'STREAM FILE {notice} ""')
        await agi.exec("MixMonitor", f"{path},b")
        async with self.sessionmaker() as s, s.begin():
            s.add(RecordingRow(uniqueid=uid, path=str(path), language=language,
                               started_at=self.now()))
        log.info("recording.started", path=str(path), language=language)


@dataclass(frozen=True)
class Recording:
    uniqueid: str
    path: str
    language: str
    started_at: datetime
    shared_department: str | None


async def get(sessionmaker: Any, uniqueid: str) -> Recording | None:
    async with sessionmaker() as s:
        row = await s.scalar(select(RecordingRow).where(RecordingRow.uniqueid == uniqueid))
    if row is None:
        return None
    return Recording(row.uniqueid, row.path, row.language, row.started_at, row.shared_department)


async def of_calls(sessionmaker: Any, uniqueids: list[str]) -> list[Recording]:
    if not uniqueids:
        return []
    async with sessionmaker() as s:
        rows = (await s.scalars(select(RecordingRow).where(
            RecordingRow.uniqueid.in_(uniqueids)).order_by(RecordingRow.started_at))).all()
    return [Recording(r.uniqueid, r.path, r.language, r.started_at, r.shared_department)
            for r in rows]


async def handler_of(sessionmaker: Any, uniqueid: str) -> str | None:
    """The operator (agent id) the call was connected to, from the event log."""
    from kontakt.eventlog import CallEvent

    async with sessionmaker() as s:
        return await s.scalar(select(CallEvent.agent).where(
            CallEvent.uniqueid == uniqueid, CallEvent.type == "call.connected",
            CallEvent.agent.is_not(None)).order_by(CallEvent.id.desc()).limit(1))


async def may_play(sessionmaker: Any, user: Any, rec: Recording) -> str | None:
    """The basis on which ``user`` may play ``rec`` (None: not allowed)."""
    if user.role == "supervisor":
        return "supervisor"
    if user.role == "agent" and user.agent_id and \
            await handler_of(sessionmaker, rec.uniqueid) == user.agent_id:
        return "handler"
    if user.role == "department" and user.department and \
            rec.shared_department == user.department:
        return "shared"
    return None


async def share(sessionmaker: Any, uniqueid: str, department: str | None) -> bool:
    async with sessionmaker() as s, s.begin():
        row = await s.scalar(select(RecordingRow).where(RecordingRow.uniqueid == uniqueid))
        if row is None:
            return False
        row.shared_department = department
    return True


async def purge(sessionmaker: Any, days: int, now: datetime) -> int:
    """Delete recordings (file and row) older than ``days``; returns how many."""
    cutoff = now - timedelta(days=days)
    async with sessionmaker() as s, s.begin():
        rows = (await s.scalars(select(RecordingRow).where(
            RecordingRow.started_at < cutoff))).all()
        for r in rows:
            for p in (Path(r.path), Path(r.path).with_suffix(".wav")):
                p.unlink(missing_ok=True)
        if rows:
            await s.execute(delete(RecordingRow).where(
                RecordingRow.id.in_([r.id for r in rows])))
    if rows:
        log.info("recordings.purged", count=len(rows), days=days)
    return len(rows)
