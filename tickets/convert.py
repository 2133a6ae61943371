"""The service layer's edges: plain input (the HTTP layer's dicts, caller IDs,
ISO times) to domain values, and domain values to JSON-ready dicts and the
outbox payload of each ticket event."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from infra.logs import get_logger
from tickets import domain as d
from tickets.domain import Actor, CallLink, InvalidTicket, Ticket
from tickets.followup import Absorbed, Merged, Overdue, Returned
from tickets.sla import plain_view

log = get_logger()


def as_actor(actor: Any) -> Actor:
    """An ``Actor``, or anything with user_id, role and department (a web user)."""
    if isinstance(actor, Actor):
        return actor
    return Actor(user_id=actor.user_id, role=actor.role, department=actor.department)


def call_link(raw: dict[str, Any]) -> CallLink:
    if not raw.get("uniqueid"):
        raise InvalidTicket("call: needs the call's uniqueid", field="call")
    unknown = set(raw) - {"uniqueid", "wait_seconds", "talk_seconds", "agent"}
    if unknown:
        raise InvalidTicket(f"call: unknown field(s) {', '.join(sorted(unknown))}",
                            field="call")
    try:
        wait, talk = (None if raw.get(k) is None else float(raw[k])
                      for k in ("wait_seconds", "talk_seconds"))
    except (TypeError, ValueError):
        raise InvalidTicket("call: wait_seconds and talk_seconds are numbers",
                            field="call") from None
    agent = raw.get("agent")
    return CallLink(str(raw["uniqueid"]), wait, talk, None if agent is None else str(agent))


def caller_id(caller: str) -> str | None:
    """The caller ID of a call as the citizen's phone; "anonymous" or garbage
    must not stop the ticket (an operator-typed phone must be valid)."""
    try:
        return d.normalize_phone(caller)
    except InvalidTicket:
        log.info("ticket.caller_id_unusable", caller=caller)
        return None


def when(value: datetime | str | None, name: str) -> datetime | None:
    """A search bound: a datetime or ISO 8601 text; naive means UTC."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    try:
        out = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidTicket(f"{name} {value!r}: an ISO 8601 date or time",
                            field=name) from None
    return out if out.tzinfo else out.replace(tzinfo=UTC)


def describe(ev: d.Event) -> tuple[str, str | None, str | None, str, dict[str, Any]]:
    """A ticket event as its history row: (action, old status, new status,
    comment, details)."""
    if isinstance(ev, d.Opened):
        return "opened", None, ev.status.value, "", {}
    if isinstance(ev, d.Forwarded):
        return ("forwarded", ev.old.value, ev.new.value, ev.comment,
                {"department": ev.department, "from_department": ev.old_department})
    if isinstance(ev, d.StatusChanged):
        return ("status", ev.old.value, ev.new.value, ev.comment,
                {"for_citizen": True} if ev.for_citizen else {})
    if isinstance(ev, d.Assigned):
        return "assigned", None, None, "", {"assignee": ev.assignee, "previous": ev.previous}
    if isinstance(ev, d.Commented):
        return "comment", None, None, ev.text, {"for_citizen": True} if ev.for_citizen else {}
    if isinstance(ev, Returned):
        return ("returned", ev.old.value, d.Status.returned.value, ev.reason,
                {"from_department": ev.department, "suggested_department": ev.suggested})
    if isinstance(ev, Merged):
        return "merged", ev.old.value, d.Status.merged.value, "", {"into": ev.into}
    if isinstance(ev, Absorbed):
        return "absorbed", None, None, "", {"duplicate": ev.duplicate}
    if isinstance(ev, Overdue):
        return "overdue", None, None, "", {"deadline": ev.deadline,
                                            "due_at": ev.due_at.isoformat()}
    if isinstance(ev, d.CallLinked):
        return "call_linked", None, None, "", {"uniqueid": ev.call.uniqueid,
                                               "wait_seconds": ev.call.wait_seconds,
                                               "talk_seconds": ev.call.talk_seconds,
                                               "agent": ev.call.agent}
    raise TypeError(f"unknown ticket event {type(ev).__name__}")


def payload(t: Ticket, type_: str, actor: str, role: str, at: datetime, *,
            old_status: str | None = None, comment: str = "",
            details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The outbox (MQTT) payload of one ticket event."""
    return {"type": type_, "number": t.number, "status": t.status.value,
            "old_status": old_status, "department": t.department, "kind": t.kind.value,
            "subject": t.subject, "opened_by": t.opened_by, "assignee": t.assignee,
            "actor": actor, "role": role, "at": at.isoformat(), "comment": comment,
            "details": details or {}}


def ticket_dict(t: Ticket, deadline: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ticket as the service hands it out; ``deadline`` is its clock as
    seen now (``tickets.sla.SlaPolicy.view``), else as stored."""
    return {"deadline": deadline if deadline is not None else plain_view(t),
            "number": t.number, "kind": t.kind.value, "kind_label": d.KIND_LABELS[t.kind],
            "status": t.status.value, "status_label": d.STATUS_LABELS[t.status],
            "subject": t.subject, "description": t.description, "phone": t.phone,
            "name": t.name, "email": t.email, "address": t.address, "lat": t.lat,
            "lon": t.lon, "department": t.department, "opened_by": t.opened_by,
            "assignee": t.assignee, "channel": t.channel, "language": t.language,
            "created_at": t.created_at, "updated_at": t.updated_at,
            "calls": [{"uniqueid": c.uniqueid, "wait_seconds": c.wait_seconds,
                       "talk_seconds": c.talk_seconds, "agent": c.agent} for c in t.calls]}
