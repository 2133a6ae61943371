"""Tickets under ``/api/tickets``: each handler checks, calls the ticket
service, then *presents* what came back: the citizen's personal data shown
where ``kontakt.privacy.visibility`` allows it (and an audit entry written
for it) and masked everywhere else.

Department staff are told that another department's ticket does not exist
(404, the same answer as for a number nobody has), so a number cannot be
probed.
"""

from __future__ import annotations

from typing import Any

from kontakt.http import sources
from kontakt.http.errors import ApiError, is_domain_error
from kontakt.http.ops import ALL, Call, Op, Param
from kontakt.privacy.audit import Entry
from kontakt.privacy.visibility import basis, has_personal_data, masked, shown

KINDS = ("complaint", "request", "suggestion", "information")
STATUSES = ("new", "forwarded", "active", "resolved", "cancelled", "closed", "waiting",
            "returned", "merged")
_s = {"type": "string", "minLength": 1, "maxLength": 64}
_text = {"type": "string", "maxLength": 4000}
_number = Param("number", {"type": "string", "minLength": 1, "maxLength": 32}, "path")


def _obj(required: list[str], **props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props,
            "additionalProperties": False}


# -- presenting -----------------------------------------------------------------

def _live_phone(c: Call) -> str | None:
    """The citizen on this operator's live call, as E.164 (tickets store it so)."""
    if c.user.role != "agent" or c.web.ctx.engine is None or not c.user.agent_id:
        return None
    agents = c.web.ctx.engine.snapshot().get("agents", [])
    call = next((a.get("call") for a in agents if a.get("id") == c.user.agent_id), None)
    try:
        from tickets.domain import normalize_phone

        return normalize_phone((call or {}).get("caller"))
    except Exception:  # an anonymous or odd caller ID: no live citizen to match
        return None


async def present(c: Call, tickets: list[dict[str, Any]], action: str = "ticket.list",
                  reason: str | None = None) -> list[dict[str, Any]]:
    live = _live_phone(c)
    out, entries = [], []
    for t in tickets:
        why = basis(c.user.role, c.user.username, c.user.department, t, live, reason)
        if why is None:
            out.append(masked(t))
            continue
        out.append(shown(t, why))
        if has_personal_data(t):
            entries.append(Entry(c.user.username, c.user.role, action, t.get("number"), why,
                                 c.web.door.client(c.request.scope),
                                 {"fields": sorted(k for k in ("phone", "name", "email",
                                                               "address") if t.get(k))}))
    await c.web.audit.record(entries)
    return out


async def present_one(c: Call, t: dict[str, Any], action: str = "ticket.list",
                      reason: str | None = None) -> dict[str, Any]:
    return (await present(c, [t], action, reason))[0]


# -- handlers ---------------------------------------------------------------------

async def tickets_search(c: Call) -> Any:
    q = dict(c.query)
    if c.user.role == "department":
        if q.get("department") not in (None, c.user.department):
            raise ApiError(403, "ticket.forbidden", "department staff see their own department",
                           department=q.get("department"))
        q["department"] = c.user.department
    if q.pop("mine", False):
        q["opened_by"] = c.user.username
    found = await sources.tickets(c.web).search(sources.actor(c.user), **q)
    return {"tickets": await present(c, [sources.ticket_json(t) for t in found])}


async def ticket_open(c: Call) -> Any:
    sources.department(c.web, c.body["department"])
    ticket = await sources.tickets(c.web).open_ticket(sources.actor(c.user), channel="phone",
                                                      **c.body)
    return await present_one(c, sources.ticket_json(ticket))


def _not_found(number: str) -> ApiError:
    return ApiError(404, "ticket.not_found", f"no ticket {number}", number=number)


async def _guard(c: Call) -> dict[str, Any]:
    """Check first: department staff act only on their department's tickets
    (the ticket service checks too; this layer does not rely on it)."""
    number = c.path["number"]
    try:
        t = sources.ticket_json(await sources.tickets(c.web).get(sources.actor(c.user), number))
    except Exception as e:
        if c.user.role == "department" and is_domain_error(e) and \
                getattr(e, "code", "") == "ticket.forbidden":
            raise _not_found(number) from None
        raise
    if c.user.role == "department" and t.get("department") != c.user.department:
        raise _not_found(number)
    return t


async def ticket_get(c: Call) -> Any:
    return await present_one(c, await _guard(c), "ticket.read", c.query.get("reason"))


async def ticket_history(c: Call) -> Any:
    await _guard(c)
    h = await sources.tickets(c.web).history(sources.actor(c.user), c.path["number"])
    return {"history": [sources.plain(e) for e in h]}


async def ticket_status(c: Call) -> Any:
    current = await _guard(c)
    comment = (c.body.get("comment") or "").strip()
    for_citizen = bool(c.body.get("for_citizen"))
    svc = sources.tickets(c.web)
    if c.body["to"] == current.get("status"):
        # A comment is not a status step: "active" to "active" with words is a note.
        if not comment:
            raise ApiError(409, "ticket.no_change",
                           f"ticket {current['number']} is {current['status']} already",
                           number=current["number"], state=current["status"])
        t = await svc.comment(sources.actor(c.user), c.path["number"], comment, for_citizen)
    else:
        t = await svc.change_status(sources.actor(c.user), c.path["number"], c.body["to"],
                                    comment, for_citizen)
    return await present_one(c, sources.ticket_json(t))


async def ticket_comment(c: Call) -> Any:
    await _guard(c)
    t = await sources.tickets(c.web).comment(sources.actor(c.user), c.path["number"],
                                             c.body["text"], bool(c.body.get("for_citizen")))
    return await present_one(c, sources.ticket_json(t))


async def ticket_assign(c: Call) -> Any:
    await _guard(c)
    await sources.colleague(c, c.body["assignee"])
    t = await sources.tickets(c.web).assign(sources.actor(c.user), c.path["number"],
                                            c.body["assignee"])
    return await present_one(c, sources.ticket_json(t))


async def ticket_forward(c: Call) -> Any:
    await _guard(c)
    sources.department(c.web, c.body["department"])
    t = await sources.tickets(c.web).forward(sources.actor(c.user), c.path["number"],
                                             c.body["department"])
    return await present_one(c, sources.ticket_json(t))


OPS: list[Op] = [
    Op("GET", "/api/tickets", tickets_search, ALL, "Search tickets", "tickets", params=(
        Param("status", {"type": "string", "enum": list(STATUSES)}),
        Param("kind", {"type": "string", "enum": [*KINDS, "callback"]}),
        Param("department", _s), Param("phone", {"type": "string", "maxLength": 32}),
        Param("text", {"type": "string", "maxLength": 200}),
        Param("mine", {"type": "boolean"}),
        Param("limit", {"type": "integer", "minimum": 1, "maximum": 500}))),
    Op("POST", "/api/tickets", ticket_open, frozenset({"agent", "supervisor"}), "Open a ticket",
       "tickets", status=201,
       body=_obj(["kind", "department", "subject"],
                 kind={"type": "string", "enum": list(KINDS)}, department=_s,
                 subject={"type": "string", "minLength": 1, "maxLength": 200},
                 description=_text, phone={"type": "string", "maxLength": 32},
                 name={"type": "string", "maxLength": 200},
                 email={"type": "string", "maxLength": 254},
                 language={"type": "string", "enum": ["sr", "hu", "en"]},
                 address={"type": "string", "maxLength": 300},
                 attach_to={"type": "string", "minLength": 1, "maxLength": 32})),
    Op("GET", "/api/tickets/{number}", ticket_get, ALL, "A ticket", "tickets",
       params=(_number, Param("reason", {"type": "string", "minLength": 5, "maxLength": 200},
                              description="why an operator opens a ticket she does not "
                                          "handle (shown and audited)"))),
    Op("GET", "/api/tickets/{number}/history", ticket_history, ALL, "A ticket's history",
       "tickets", params=(_number,)),
    Op("POST", "/api/tickets/{number}/status", ticket_status, ALL, "Change status", "tickets",
       params=(_number,), body=_obj(["to"], to={"type": "string", "enum": list(STATUSES)},
                                    comment=_text, for_citizen={"type": "boolean"})),
    Op("POST", "/api/tickets/{number}/comments", ticket_comment, ALL, "Comment", "tickets",
       params=(_number,), body=_obj(["text"], text={**_text, "minLength": 1},
                                    for_citizen={"type": "boolean"})),
    Op("POST", "/api/tickets/{number}/assign", ticket_assign,
       frozenset({"department", "supervisor"}), "Assign to a colleague", "tickets",
       params=(_number,), body=_obj(["assignee"], assignee=_s)),
    Op("POST", "/api/tickets/{number}/forward", ticket_forward,
       frozenset({"agent", "supervisor"}), "Forward to a department", "tickets",
       params=(_number,), body=_obj(["department"], department=_s)),
]
