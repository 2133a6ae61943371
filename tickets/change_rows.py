"""A ticket change as the row values it writes, built before its statements
run: the history rows, the outbox rows (MQTT), the calls and reporters it
adds, and what to do after them (notify the citizen, escalate a late ticket).

Building them (descriptions, payloads, JSON) needs no database, so a new
ticket's are built before its write transaction begins: SQLite holds its
write lock for the whole transaction.  A new ticket has no number yet then:
it is numbered ``pending_number()`` until the transaction draws the real one,
and ``ChangeRows.numbered`` puts that into the rows that name it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from infra.outbox import outbox_row
from tickets import domain as d
from tickets.convert import describe, payload
from tickets.domain import CallLink, Ticket
from tickets.followup import Absorbed, Merged, Overdue, Returned
from tickets.store import history_values


@dataclass(frozen=True)
class Notice:
    """Tell the citizen(s) that the ticket reached ``status``."""

    event_id: str
    status: str
    told: str  # the comment written for the citizen, else ""


@dataclass(frozen=True)
class Escalation:
    """Tell the supervisors the ticket missed a deadline."""

    event_id: str
    event: Overdue


@dataclass
class ChangeRows:
    history: list[dict[str, Any]] = field(default_factory=list)  # without ticket_id
    outbox: list[dict[str, Any]] = field(default_factory=list)
    calls: list[CallLink] = field(default_factory=list)
    reporters: list[dict[str, Any]] = field(default_factory=list)  # without ticket_id
    merged_into: str | None = None
    after: list[Notice | Escalation] = field(default_factory=list)  # in event order

    def numbered(self, pending: str, number: str) -> None:
        """Put the drawn ``number`` where the rows say ``pending``: only the
        outbox rows name the ticket (topic and payload).  ``pending`` is a
        uuid in ASCII letters, digits and dashes, which JSON writes as they
        are, so it cannot stand for anything else in the text."""
        for row in self.outbox:
            row["topic"] = row["topic"].replace(pending, number)
            row["payload"] = row["payload"].replace(pending, number)


def pending_number() -> str:
    """A new ticket's number until its write transaction draws one."""
    return f"NS-PENDING-{uuid.uuid4().hex}"


def change_rows(t: Ticket, *, notify_on: tuple[str, ...], escalate: bool) -> ChangeRows:
    """The rows of ``t``'s new domain events (taken off the ticket);
    ``escalate``: an overdue ticket is e-mailed to the supervisors."""
    out = ChangeRows()
    for ev in t.pop_events():
        action, old, new, comment, extra = describe(ev)
        if isinstance(ev, d.CallLinked):
            out.calls.append(ev.call)
        elif isinstance(ev, Merged):
            out.merged_into = ev.into
        elif isinstance(ev, Absorbed):
            phone, name, email, language = ev.reporter
            out.reporters.append({"from_number": ev.duplicate, "phone": phone,
                                  "citizen_name": name, "email": email, "language": language,
                                  "added_at": ev.at})
        body = payload(t, f"ticket.{action}", ev.actor, ev.role, ev.at, old_status=old,
                       comment=comment, details=extra)
        if isinstance(ev, Returned):  # the returning department follows it too
            body["details"] = {**extra, "department": ev.department}
        event_id = publish_rows(out.outbox, t, body, escalate=isinstance(ev, Overdue))
        out.history.append(history_values(at=ev.at, actor=ev.actor, role=ev.role, action=action,
                                          old=old, new=new, comment=comment, details=extra,
                                          event_id=event_id))
        if isinstance(ev, Overdue) and escalate:
            out.after.append(Escalation(event_id, ev))
        if new is not None and new != old and new in notify_on:
            # Only a comment written for the citizen is sent to the citizen.
            out.after.append(Notice(event_id, new, comment if extra.get("for_citizen") else ""))
    return out


def publish_rows(rows: list[dict[str, Any]], t: Ticket, body: dict[str, Any], *,
                 escalate: bool = False) -> str:
    """One fact, two topics: the department's and the opener's (the operator
    follows the tickets they opened), same event_id on both; an overdue ticket
    also goes to the supervisors' escalations.  Appends the outbox rows'
    values to ``rows``; returns the event id."""
    first = outbox_row(f"tickets/{t.department or '-'}/{t.number}", body)
    event_id = str(first["event_id"])
    rows += [first, outbox_row(f"users/{t.opened_by}/tickets/{t.number}",
                               {**body, "event_id": event_id})]
    if escalate:
        rows.append(outbox_row(f"escalations/{t.department or '-'}/{t.number}",
                               {**body, "event_id": event_id}))
    return event_id
