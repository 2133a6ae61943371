"""A ticket's appearance in a list is audited once per actor, ticket and
reason every 15 minutes, and the memory of what was written holds only
those 15 minutes (a day-long demo filled it towards 50,000 pairs)."""

from __future__ import annotations

from kontakt.privacy.audit import AuditLog, Entry


def listed(actor: str, number: str) -> Entry:
    return Entry(actor, "department", "ticket.list", number, "department")


def test_once_per_quarter_hour_and_nothing_older_kept() -> None:
    now = [0.0]
    log = AuditLog(None, clock=lambda: now[0], list_every=900.0)
    assert log._due(listed("ana", "NS-1"))
    now[0] = 100.0
    assert not log._due(listed("ana", "NS-1"))  # within 15 minutes: not again
    assert log._due(listed("ana", "NS-2"))
    now[0] = 950.0
    assert log._due(listed("ana", "NS-1"))  # 15 minutes on: written again
    assert list(log._listed) == [("ana", "NS-2", "department"), ("ana", "NS-1", "department")]
    now[0] = 2000.0
    assert log._due(listed("ivo", "NS-9"))
    assert list(log._listed) == [("ivo", "NS-9", "department")]  # the old pairs forgotten


def test_other_actions_are_always_written() -> None:
    log = AuditLog(None, clock=lambda: 0.0)
    read = Entry("ana", "department", "ticket.read", "NS-1", "department")
    assert log._due(read) and log._due(read)
