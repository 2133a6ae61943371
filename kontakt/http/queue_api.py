"""The work queue under ``/api/queue``: one page of tickets, open work first,
with the total so the page can show "1-50 of 312" (``tickets.workqueue``).

The rows are a list to pick from: personal data masked (nothing to audit);
the ticket's own view (``GET /api/tickets/{number}``) shows it, audited.
"""

from __future__ import annotations

from typing import Any

from kontakt.http import sources
from kontakt.http.errors import ApiError
from kontakt.http.ops import ALL, Call, Op, Param
from kontakt.http.ticket_api import KINDS, STATUSES
from kontakt.privacy.visibility import masked

SORTS = ("queue", "newest", "oldest", "updated")
_s = {"type": "string", "minLength": 1, "maxLength": 64}
_date = {"type": "string", "minLength": 10, "maxLength": 32}


async def work_queue(c: Call) -> Any:
    q = dict(c.query)
    if c.user.role == "department":
        if q.get("department") not in (None, c.user.department):
            raise ApiError(403, "ticket.forbidden", "department staff see their own department",
                           department=q.get("department"))
        q["department"] = c.user.department
    if q.get("assignee") == "me":
        q["assignee"] = c.user.username
    if q.pop("mine", False):
        q["opened_by"] = c.user.username
    offset, limit = q.pop("offset", 0), q.pop("limit", 50)
    got = await sources.tickets(c.web).work_queue(sources.actor(c.user), offset=offset,
                                                  limit=limit, **q)
    rows = [masked(sources.ticket_json(t)) for t in got["tickets"]]
    return {"tickets": rows, "total": got["total"], "offset": offset, "limit": limit}


OPS: list[Op] = [
    Op("GET", "/api/queue", work_queue, ALL, "Work queue: a page of tickets, open first",
       "tickets", params=(
           Param("q", {"type": "string", "maxLength": 200},
                 description="ticket number, phone number or words"),
           Param("status", {"type": "string", "enum": list(STATUSES)}),
           Param("state", {"type": "string", "enum": ["open", "done"]}),
           Param("kind", {"type": "string", "enum": [*KINDS, "callback"]}),
           Param("department", _s),
           Param("assignee", _s, description="a username, or me"),
           Param("mine", {"type": "boolean"}, description="tickets I opened"),
           Param("since", _date), Param("until", _date),
           Param("overdue", {"type": "boolean"},
                 description="only the tickets past a deadline (due time passed)"),
           Param("sort", {"type": "string", "enum": list(SORTS)}),
           Param("offset", {"type": "integer", "minimum": 0, "maximum": 1000000}),
           Param("limit", {"type": "integer", "minimum": 1, "maximum": 200}))),
]
