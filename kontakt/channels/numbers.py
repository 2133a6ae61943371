"""Ticket numbers in what citizens write (``NS-2027-000123``; also
``ns 2027 123`` or ``NS-2027-123``, as people type them), pure."""

from __future__ import annotations

import re

_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])NS[\s-]?(\d{4})[\s-]?(\d{1,9})(?!\d)", re.IGNORECASE)


def find_ticket_number(text: str | None) -> str | None:
    """The first ticket number in ``text``, in its canonical form, or None."""
    m = _IN_TEXT.search(text or "")
    if m is None:
        return None
    return f"NS-{m[1]}-{int(m[2]):06d}"
