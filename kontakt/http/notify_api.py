"""The citizen's notifications of a ticket (SMS, e-mail) from the
workstations: the list on the ticket, the ones stuck across every ticket
(the supervisor), trying one again (``tickets.notify.review``), and the
preview of what a comment or status step being typed would tell the citizen
(``tickets.notify.preview``; who may comment may preview, nothing is sent).

Who may: the staff of the ticket's department (another department's ticket
does not exist for them: 404, as everywhere under ``/api/tickets``),
operators and the supervisor; any other role is refused by the operation
table (403 ``auth.forbidden``).  The recipient (a phone number or an
address) is personal data: shown where ``kontakt.privacy.visibility``
allows it, with an audit entry, masked elsewhere.  Every retry is audited.
"""

from __future__ import annotations

from typing import Any

from infra.logs import get_logger
from kontakt.http import sources, ticket_api
from kontakt.http.errors import ApiError
from kontakt.http.ops import ALL, Call, Op, Param
from kontakt.privacy.audit import Entry
from kontakt.privacy.visibility import basis, mask_email, mask_phone
from tickets.notify import preview, review
from tickets.notify.jobs import DEFAULT_NOTIFY_ON, already_told
from tickets.notify.policy import TransitionError

log = get_logger("kontakt.http")
READERS = frozenset({"agent", "department", "supervisor"})
SUPERVISOR = frozenset({"supervisor"})
_number = Param("number", {"type": "string", "minLength": 1, "maxLength": 32}, "path")
_id = Param("notification", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "path")


def _why(c: Call, t: dict[str, Any]) -> str | None:
    return basis(c.user.role, c.user.username, c.user.department, t, ticket_api._live_phone(c),
                 c.query.get("reason"))


def _present(row: dict[str, Any], why: str | None) -> dict[str, Any]:
    if why is not None:
        return {**row, "personal_data": "shown"}
    mask = mask_phone if row.get("channel") == "sms" else mask_email
    return {**row, "recipient": mask(row.get("recipient")), "personal_data": "masked"}


def _entry(c: Call, action: str, number: str, why: str, details: dict[str, Any]) -> Entry:
    return Entry(c.user.username, c.user.role, action, number, why,
                 c.web.door.client(c.request.scope), details)


async def ticket_notifications(c: Call) -> Any:
    t = await ticket_api._guard(c)
    number = str(t["number"])
    async with c.web.ctx.sessionmaker() as s:
        rows = await review.for_ticket(s, number, c.web.ctx.now())
    why = _why(c, t)
    if why is not None and rows:
        await c.web.audit.record([_entry(c, "notification.list", number, why,
                                         {"fields": ["recipient"], "count": len(rows)})])
    return {"number": number, "notifications": [_present(r, why) for r in rows]}


async def ticket_notification_retry(c: Call) -> Any:
    t = await ticket_api._guard(c)
    number, nid = str(t["number"]), int(c.path["notification"])
    try:
        async with c.web.ctx.sessionmaker() as s, s.begin():
            done = await review.retry(s, nid, ticket_number=number, now=c.web.ctx.now())
    except review.NotificationNotFound:
        raise ApiError(404, "notify.not_found", f"no notification {nid} on ticket {number}",
                       number=number, id=nid) from None
    except TransitionError as e:
        raise ApiError(409, "notify.not_retryable",
                       f"notification {nid} is {e.details['state']}: nothing to retry",
                       number=number, id=nid, state=e.details["state"]) from None
    await c.web.audit.record([_entry(c, "notification.retry", number, "retry", {
        "id": nid, "channel": done.row["channel"], "event": done.event,
        "previous_status": done.previous_status})])
    log.info("notify.retry_requested", id=nid, ticket=number, by=c.user.username,
             step=done.event)
    return {"notification": _present(done.row, _why(c, t))}


async def ticket_notification_preview(c: Call) -> Any:
    """What the citizen would receive if this comment (and step) were saved
    now: the real templates, the ticket's language, the channels it has.
    Reads only; nothing is queued, sent or audited (no recipient is shown)."""
    t = await ticket_api._guard(c)
    number, current = str(t["number"]), str(t.get("status"))
    to = c.body.get("to")
    if to is not None and to != current:
        preview.check_step(sources.actor(c.user), number, current, to)
    told = False
    if to is not None and to != current:
        async with c.web.ctx.sessionmaker() as s:
            told = await already_told(s, number, to)
    notify_on = getattr(sources.tickets(c.web), "notify_on", DEFAULT_NOTIFY_ON)
    draft = preview.Draft(number=number, current=current, to=to, comment=c.body["comment"],
                          for_citizen=bool(c.body.get("for_citizen", True)),
                          language=t.get("language"), phone=t.get("phone"),
                          email=t.get("email"))
    p = preview.preview(draft, notify_on=notify_on, already_told=told)
    return {"number": number, "outcome": p.outcome.value, "language": p.language,
            "status": p.status, "sms": p.sms, "web": p.web,
            "email": {"subject": p.email.subject, "body": p.email.body} if p.email else None}


async def stuck_notifications(c: Call) -> Any:
    async with c.web.ctx.sessionmaker() as s:
        got = await review.stuck(s, now=c.web.ctx.now(), offset=c.query.get("offset", 0),
                                 limit=c.query.get("limit", 100))
    numbers = sorted({r["ticket_number"] for r in got["notifications"]})
    await c.web.audit.record([_entry(c, "notification.list", n, "role", {"fields": ["recipient"]})
                              for n in numbers])
    return {"notifications": [_present(r, "role") for r in got["notifications"]],
            "total": got["total"]}


OPS: list[Op] = [
    Op("GET", "/api/tickets/{number}/notifications", ticket_notifications, READERS,
       "A ticket's notifications to the citizen (SMS, e-mail)", "notifications",
       params=(_number, Param("reason", {"type": "string", "minLength": 5, "maxLength": 200},
                              description="why an operator looks at a ticket she does not "
                                          "handle (audited)"))),
    Op("POST", "/api/tickets/{number}/notifications/{notification}/retry",
       ticket_notification_retry, READERS,
       "Try a failed or stuck notification again (audited)", "notifications",
       params=(_number, _id)),
    Op("POST", "/api/tickets/{number}/notifications/preview", ticket_notification_preview, ALL,
       "Preview what the citizen would receive for a comment (nothing is sent)",
       "notifications", params=(_number,),
       body={"type": "object", "required": ["comment"], "additionalProperties": False,
             "properties": {"comment": {"type": "string", "maxLength": 4000},
                            "to": {"type": "string", "enum": list(ticket_api.STATUSES)},
                            "for_citizen": {"type": "boolean"}}}),
    Op("GET", "/api/notifications/stuck", stuck_notifications, SUPERVISOR,
       "Notifications failed or stuck pending, every ticket", "notifications",
       params=(Param("offset", {"type": "integer", "minimum": 0, "maximum": 1000000}),
               Param("limit", {"type": "integer", "minimum": 1, "maximum": 500}))),
]
