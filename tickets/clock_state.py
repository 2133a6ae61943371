"""A ticket's deadline clock as stored on the ticket (data only; the rules
that move it are ``tickets.sla``).  Times are aware UTC datetimes; budgets and
the used time are working seconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class Sla:
    response_s: float | None = None      # budget to take the ticket up; None: no deadline
    resolution_s: float | None = None    # budget to resolve it
    started_at: datetime | None = None   # forwarded to the department (the clock's start)
    response_due_at: datetime | None = None
    responded_at: datetime | None = None
    used_s: float = 0.0                  # working seconds used before ``running_since``
    running_since: datetime | None = None  # None: stopped (waiting for the citizen, done)
    due_at: datetime | None = None       # resolution due, while the clock runs
    overdue: str | None = None           # "response" or "resolution" once marked
    overdue_at: datetime | None = None
