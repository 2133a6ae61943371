"""What happens to a ticket after it is forwarded, beyond its status: the
department returns it to the contact center (wrong department), a duplicate
is merged into the ticket that survives, a ticket past its deadline is marked
overdue.  Pure: each step checks the lifecycle table (``tickets.domain``)
and records an event on the ticket, like the steps of ``Ticket`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tickets.domain import (
    ADM,
    FINAL,
    A,
    Actor,
    CallLink,
    Event,
    Forbidden,
    IllegalTransition,
    InvalidTicket,
    S,
    Status,
    Ticket,
)

MERGE_ROLES = frozenset({A, S, ADM})
REASON_MAX = 500


@dataclass(frozen=True)
class Returned(Event):
    old: Status
    department: str | None  # the department that returned it
    reason: str
    suggested: str | None


@dataclass(frozen=True)
class Merged(Event):
    """This ticket (a duplicate) was merged into ``into``."""

    old: Status
    into: str


@dataclass(frozen=True)
class Absorbed(Event):
    """This ticket took over a duplicate: its reporter and its calls."""

    duplicate: str
    reporter: tuple[str | None, str | None, str | None, str]  # phone, name, email, language


@dataclass(frozen=True)
class Overdue(Event):
    deadline: str  # "response" or "resolution"
    due_at: datetime


def give_back(t: Ticket, actor: Actor, reason: str, at: datetime,
              suggested: str | None = None) -> None:
    """Department staff return a ticket that is not theirs: it leaves the
    department for the contact center's queue of returned tickets."""
    t.check_visible(actor)
    t.check_step(actor, Status.returned)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTicket("reason: say why the ticket is not for this department",
                            field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidTicket(f"reason: at most {REASON_MAX} characters", field="reason")
    suggested = (suggested or "").strip() or None
    if suggested is not None and suggested == t.department:
        raise InvalidTicket("suggested_department: another department than this one",
                            field="suggested_department", value=suggested)
    old, dep = t.status, t.department
    t.status, t.department, t.assignee, t.updated_at = Status.returned, None, None, at
    t.events.append(Returned(actor.user_id, str(actor.role), at, old, dep, reason, suggested))


def merge(duplicate: Ticket, survivor: Ticket, actor: Actor, at: datetime) -> None:
    """Merge ``duplicate`` into ``survivor``: the survivor takes its reporter
    and calls (its history stays on it, pointing at the survivor)."""
    if actor.role not in MERGE_ROLES:
        raise Forbidden(f"role {actor.role} may not merge tickets", role=str(actor.role))
    if duplicate.number == survivor.number:
        raise InvalidTicket("a ticket cannot be merged into itself", number=survivor.number)
    if survivor.status in FINAL:
        raise IllegalTransition(f"ticket {survivor.number} is {survivor.status.value}: "
                                "merge into an open ticket", number=survivor.number,
                                state=survivor.status.value, event="merge")
    duplicate.check_visible(actor)
    survivor.check_visible(actor)
    duplicate.check_step(actor, Status.merged)
    old = duplicate.status
    duplicate.status, duplicate.updated_at = Status.merged, at
    duplicate.events.append(Merged(actor.user_id, str(actor.role), at, old, survivor.number))
    survivor.updated_at = at
    survivor.events.append(Absorbed(actor.user_id, str(actor.role), at, duplicate.number,
                                    (duplicate.phone, duplicate.name, duplicate.email,
                                     duplicate.language)))
    for call in duplicate.calls:
        survivor.link_call(actor, CallLink(call.uniqueid, call.wait_seconds,
                                           call.talk_seconds, call.agent), at)


def mark_overdue(t: Ticket, deadline: str, due_at: datetime, at: datetime) -> None:
    t.sla.overdue, t.sla.overdue_at = deadline, at
    t.events.append(Overdue("engine", "admin", at, deadline, due_at))
