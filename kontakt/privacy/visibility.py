"""Who sees a citizen's personal data on a ticket, and what the others see.
Pure: no I/O.

* the supervisor and the administrator: every ticket (basis ``role``);
* department staff: their department's tickets (``department``); another
  department's ticket does not exist for them (the HTTP layer answers 404);
* an operator: the tickets she handles (opened or is assigned: ``handler``),
  the open callback requests every operator works from (``callback``), the
  tickets of the citizen on her live call (``live_call``), and any other
  ticket she opens with a stated reason (``reason``, the words she gave);
  everywhere else the personal fields are masked.

Whenever personal data is shown, the caller writes an audit entry with the
basis as its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PERSONAL = ("phone", "name", "email", "address", "lat", "lon")
DOT = "•"
MIN_REASON = 5


def basis(role: str, username: str, department: str | None, ticket: Mapping[str, Any],
          live_phone: str | None = None, reason: str | None = None) -> str | None:
    """Why this user may see the ticket's personal data, or None (masked)."""
    if role in ("supervisor", "admin"):
        return "role"
    if role == "department":
        return "department" if ticket.get("department") == department else None
    if role != "agent":
        return None
    if username in (ticket.get("opened_by"), ticket.get("assignee")):
        return "handler"
    if ticket.get("kind") == "callback" and ticket.get("status") == "new":
        return "callback"
    if live_phone and ticket.get("phone") == live_phone:
        return "live_call"
    if reason and len(reason.strip()) >= MIN_REASON:
        return reason.strip()
    return None


def has_personal_data(ticket: Mapping[str, Any]) -> bool:
    return any(ticket.get(k) not in (None, "") for k in PERSONAL)


def masked(ticket: Mapping[str, Any]) -> dict[str, Any]:
    """The ticket with its personal fields masked, and saying so."""
    out = dict(ticket)
    out["phone"] = mask_phone(ticket.get("phone"))
    out["email"] = mask_email(ticket.get("email"))
    out["name"] = mask_name(ticket.get("name"))
    out["address"] = DOT * 3 if ticket.get("address") else None
    out["lat"] = out["lon"] = None
    out["personal_data"] = "masked"
    return out


def shown(ticket: Mapping[str, Any], why: str) -> dict[str, Any]:
    return {**ticket, "personal_data": "shown", "shown_because": why}


def mask_phone(phone: str | None) -> str | None:
    """``+381641234567`` -> ``+381•••••••67``: the country and two last digits."""
    if not phone:
        return phone
    keep = 4 if phone.startswith("+") else 0
    return phone[:keep] + DOT * max(1, len(phone) - keep - 2) + phone[-2:]


def mask_email(email: str | None) -> str | None:
    """``marko.petrovic@example.rs`` -> ``m•••@•••.rs``."""
    if not email or "@" not in email:
        return DOT * 3 if email else email
    local, _, domain = email.partition("@")
    tld = domain.rsplit(".", 1)[-1] if "." in domain else ""
    return f"{local[:1]}{DOT * 3}@{DOT * 3}" + (f".{tld}" if tld else "")


def mask_name(name: str | None) -> str | None:
    """``Петар Петровић`` -> ``П. П.``: initials only."""
    if not name:
        return name
    return " ".join(f"{part[0]}." for part in name.split() if part)
