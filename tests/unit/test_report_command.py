"""`kontakt report staffing` prints one row per half hour from 07:30 to 15:30
with the operators needed; `kontakt report followup` the returns and overdue
per department.  On a real SQLite database with recorded call events."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import structlog

from infra.db import make_engine, make_sessionmaker
from kontakt.cli import main
from kontakt.eventlog import CallEvent
from kontakt.migrate import upgrade


@pytest.fixture(autouse=True)
def _logs_back():
    yield
    structlog.reset_defaults()  # the command logged to capsys' stream, closed after the test


async def _history(url: str) -> None:
    await upgrade(url)
    engine = make_engine(url)
    sm = make_sessionmaker(engine)
    start = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # Monday 10:00 in Novi Sad
    async with sm() as s, s.begin():
        for i in range(100):
            at = start + timedelta(seconds=i * 17)
            for type_, payload in (("call.connected", {"wait": 3.0}),
                                   ("call.completed", {"talk": 180.0, "wait": 3.0})):
                s.add(CallEvent(event_id=str(uuid.uuid4()), ts=at, topic="kontakt/queue/x",
                                type=type_, uniqueid=f"{i}.1", agent="agent01",
                                payload=json.dumps({"type": type_, **payload})))
    await engine.dispose()


def test_report_staffing_one_row_per_half_hour(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("KONTAKT_SETTINGS", raising=False)
    url = f"sqlite+aiosqlite:///{tmp_path / 'k.db'}"
    asyncio.run(_history(url))
    assert main(["report", "staffing", "--from", "2027-03-01", "--to", "2027-03-07",
                 "--database", url]) == 0
    out = capsys.readouterr().out.splitlines()
    head = out.index(next(line for line in out if line.startswith("half hour")))
    rows = [line.split() for line in out[head + 1:]]
    assert [r[0] for r in rows] == [f"{h:02d}:{m:02d}" for h in range(7, 16) for m in (0, 30)
                                    if (7, 30) <= (h, m) < (15, 30)]
    ten = next(r for r in rows if r[0] == "10:00")
    assert ten[1:4] == ["100.0", "180", "14"]  # 10 erlangs: 14 operators for 80% in 20 s
    assert main(["report", "staffing", "--from", "2027-03-01", "--to", "2027-03-07",
                 "--database", url, "--json", "--target", "0.9"]) == 0
    text = capsys.readouterr().out
    data = json.loads(text[text.index("{\n"):])
    assert len(data["rows"]) == 16 and data["days_with_calls"] == 1
    assert next(r for r in data["rows"] if r["slot"] == "10:00")["needed"] == 15


def test_report_followup_and_bad_input(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("KONTAKT_SETTINGS", raising=False)
    url = f"sqlite+aiosqlite:///{tmp_path / 'k.db'}"
    assert main(["report", "followup", "--from", "2027-03-01", "--to", "2027-03-07",
                 "--database", url]) == 0
    assert "open and overdue now: 0" in capsys.readouterr().out
    assert main(["report", "staffing", "--from", "2027-03-07", "--to", "2027-03-01",
                 "--database", url]) == 2
    assert "before --from" in capsys.readouterr().err
    assert main(["report", "staffing", "--from", "March", "--to", "2027-03-01"]) == 2
