"""`kontakt privacy retention` and `kontakt privacy audit` from the shell."""

from __future__ import annotations

import json

import pytest
import structlog

from kontakt.cli import main


@pytest.fixture(autouse=True)
def _reset_logging():
    # The command configures structlog onto this test's captured stderr.
    yield
    structlog.reset_defaults()


def test_retention_run_and_audit_lines(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KONTAKT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/k.db")
    monkeypatch.setenv("KONTAKT_RETENTION_DAYS", "30")
    assert main(["privacy", "retention"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["tickets"] == 0 and report["cutoff"]
    assert main(["privacy", "audit"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [e["action"] for e in lines] == ["retention.run"]
    assert lines[0]["reason"] == "older than 30 days"
