"""Listening in refuses what it must (mode, phone, agent not talking, a
channel name for an agent) and audits every use; recordings: who may play
one, and the retention purge deletes old files and rows (SQLite)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from kontakt.supervise import Supervise, SuperviseError


@dataclass
class User:
    username: str
    role: str
    agent_id: str | None = None
    department: str | None = None


class Ami:
    def __init__(self) -> None:
        self.actions: list[tuple[str, dict]] = []

    async def action(self, name: str, **fields):
        self.actions.append((name, fields))
        return {"Response": "Success"}


class Engine:
    def snapshot(self):
        return {"agents": [
            {"id": "agent01", "state": "talking", "call": {"uniqueid": "1700.1"}},
            {"id": "agent02", "state": "available", "call": None}]}


class Audit:
    def __init__(self) -> None:
        self.entries = []

    async def record(self, entries):
        self.entries.extend(entries)
        return len(entries)


async def test_listen_originates_to_the_supervisors_phone_and_audits():
    ami, audit = Ami(), Audit()
    tool = Supervise(ami, Engine(), {"chief": "supervisor01"})
    chief = User("chief", "supervisor")
    got = await tool.start(chief, "agent01", "whisper", audit=audit)
    assert (got.phone, got.call) == ("supervisor01", "1700.1")
    [(name, f)] = ami.actions
    assert name == "Originate" and f["Channel"] == "PJSIP/supervisor01"
    assert (f["Context"], f["Exten"], f["Variable"]) == ("kontakt-spy", "w",
                                                         "KONTAKT_SPY_AGENT=agent01")
    for agent, mode, user, code in (
            ("agent02", "listen", chief, "supervise.not_talking"),
            ("agent09", "listen", chief, "supervise.unknown_agent"),
            ("PJSIP/agent01-0001", "listen", chief, "supervise.unknown_agent"),
            ("agent01", "record", chief, "supervise.bad_mode"),
            ("agent01", "barge", User("ana", "supervisor"), "supervise.no_phone")):
        with pytest.raises(SuperviseError) as e:
            await tool.start(user, agent, mode, audit=audit)
        assert e.value.code == code
    assert len(ami.actions) == 1  # nothing refused reached Asterisk
    assert [e.action for e in audit.entries] == ["call.whisper", "call.listen", "call.listen",
                                                 "call.listen", "call.listen", "call.barge"]
    assert audit.entries[1].reason == "refused: supervise.not_talking"


async def test_recordings_who_may_play_and_the_purge(tmp_path):
    from infra.db import make_engine, make_sessionmaker
    from kontakt import migrate, recordings
    from kontakt.eventlog import CallEvent

    url = f"sqlite+aiosqlite:///{tmp_path}/k.db"
    await migrate.upgrade(url)
    engine = make_engine(url)
    sm = make_sessionmaker(engine)
    now = datetime.now(UTC)
    try:
        old, new = tmp_path / "1.1.wav", tmp_path / "2.2.wav"
        for p in (old, new):
            p.write_bytes(b"RIFF")
        async with sm() as s, s.begin():
            s.add_all([
                recordings.RecordingRow(uniqueid="1.1", path=str(old), language="sr",
                                        started_at=now - timedelta(days=91)),
                recordings.RecordingRow(uniqueid="2.2", path=str(new), language="hu",
                                        started_at=now - timedelta(days=1),
                                        shared_department="vodovod"),
                CallEvent(event_id="e1", ts=now, topic="t", type="call.connected",
                          uniqueid="2.2", agent="agent03", payload="{}")])
        rec = await recordings.get(sm, "2.2")
        assert rec is not None
        may = [await recordings.may_play(sm, u, rec) for u in (
            User("chief", "supervisor"), User("a3", "agent", agent_id="agent03"),
            User("a4", "agent", agent_id="agent04"),
            User("d", "department", department="vodovod"),
            User("e", "department", department="zelenilo"), User("root", "admin"))]
        assert may == ["supervisor", "handler", None, "shared", None, None]
        assert await recordings.purge(sm, 90, now) == 1
        assert not old.exists() and new.exists()
        assert await recordings.get(sm, "1.1") is None
    finally:
        await engine.dispose()
