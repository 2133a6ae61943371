"""The follow-through under ``/api/``: department staff return a ticket to
the contact center (wrong department); the contact center's queue of
returned tickets; merging a duplicate into another ticket; open tickets that
look like the one being opened; and the figures the wallboard shows
(overdue, returned, merged, returns per department, operators needed now
against logged in) and the staffing table (Erlang C per half hour).

Tickets are presented as everywhere else (``ticket_api.present``: personal
data masked unless the user may see it, and audited where shown).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kontakt import staffing
from kontakt.http import sources, ticket_api
from kontakt.http.errors import ApiError
from kontakt.http.ops import Call, Op, Param

CENTER = frozenset({"agent", "supervisor", "admin"})
STAFF = frozenset({"supervisor", "admin"})
CITY_TZ = ZoneInfo("Europe/Belgrade")
_s = {"type": "string", "minLength": 1, "maxLength": 64}
_number = Param("number", {"type": "string", "minLength": 1, "maxLength": 32}, "path")


def _obj(required: list[str], **props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props,
            "additionalProperties": False}


async def ticket_return(c: Call) -> Any:
    """Wrong department: back to the contact center with a reason."""
    await ticket_api._guard(c)
    suggested = c.body.get("suggested_department")
    if suggested:
        sources.department(c.web, suggested)
    t = await sources.tickets(c.web).give_back(sources.actor(c.user), c.path["number"],
                                               c.body["reason"], suggested)
    return {"number": t["number"], "status": t["status"], "department": t["department"]}


async def returned_tickets(c: Call) -> Any:
    """The contact center's queue of returned tickets, oldest return first,
    each with the department that returned it, why, and what it suggested."""
    svc = sources.tickets(c.web)
    actor = sources.actor(c.user)
    found = await svc.search(actor, status="returned", limit=200)
    if c.query.get("mine"):
        found = [t for t in found if t.get("opened_by") == c.user.username]
    out = []
    for t in await ticket_api.present(c, [sources.ticket_json(x) for x in found]):
        last = next((h for h in reversed(await svc.history(actor, t["number"]))
                     if h["action"] == "returned"), None)
        details = (last or {}).get("details") or {}
        out.append({**t, "returned_at": sources.plain((last or {}).get("at")),
                    "returned_by": (last or {}).get("actor"),
                    "return_reason": (last or {}).get("comment"),
                    "from_department": details.get("from_department"),
                    "suggested_department": details.get("suggested_department")})
    out.sort(key=lambda t: t.get("returned_at") or "")
    return {"tickets": out}


async def ticket_merge(c: Call) -> Any:
    """Merge this ticket (a duplicate) into ``into``; returns the survivor."""
    into = c.body["into"]
    t = await sources.tickets(c.web).merge(sources.actor(c.user), c.path["number"], into)
    return await ticket_api.present_one(c, sources.ticket_json(t))


async def similar_tickets(c: Call) -> Any:
    q = c.query
    sources.department(c.web, q["department"])
    found = await sources.tickets(c.web).look_alikes(
        sources.actor(c.user), department=q["department"], kind=q["kind"],
        subject=q.get("subject") or "", description=q.get("description") or "",
        address=q.get("address"))
    shown = await ticket_api.present(c, [sources.ticket_json(t) for t in found])
    return {"tickets": shown, "how": "same department and kind, open, last 30 days; "
                                     "shared words (Jaccard) + 0.5 for the same address"}


async def _records(c: Call, since: datetime, until: datetime) -> list[staffing.Record]:
    return await staffing.load(c.web.ctx.sessionmaker, since, until)


async def followup_stats(c: Call) -> Any:
    now = c.web.ctx.now()
    today = datetime.combine(now.astimezone(CITY_TZ).date(), time(0), tzinfo=CITY_TZ)
    svc = sources.tickets(c.web)
    figures = await svc.followup(today)
    if c.user.role == "department":  # their own department's figures only
        mine = figures["by_department"].get(c.user.department, {"returned": 0, "overdue": 0})
        return {"department": c.user.department, "today": mine}
    s = c.web.ctx.settings
    snap = c.web.ctx.engine.snapshot() if c.web.ctx.engine else {}
    logged_in = sum(1 for a in snap.get("agents", []) if a.get("state") != "logged_out")
    recent = await _records(c, now - timedelta(hours=2), now + timedelta(seconds=1))
    need = staffing.needed_now(recent, now, wrapup=s.wrapup, target=s.staffing_service_level,
                               answer_within=s.staffing_answer_seconds)
    return {**figures, "since": today.isoformat(),
            "staffing_now": {**need, "logged_in": logged_in}}


def _date(c: Call, key: str, default: date) -> date:
    raw = c.query.get(key)
    if not raw:
        return default
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise ApiError(400, "request.bad_date", f"{key}: a date as YYYY-MM-DD",
                       field=key) from None


async def staffing_table(c: Call) -> Any:
    s = c.web.ctx.settings
    today = c.web.ctx.now().astimezone(CITY_TZ).date()
    start = _date(c, "from", today - timedelta(days=27))
    end = _date(c, "to", today)
    if end < start or (end - start).days > 366:
        raise ApiError(400, "request.bad_range", "from .. to: at most a year, from first",
                       start=str(start), end=str(end))
    since = datetime.combine(start, time(0), tzinfo=CITY_TZ)
    until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=CITY_TZ)
    rows, days = staffing.table(await _records(c, since.astimezone(UTC), until),
                                wrapup=s.wrapup, target=s.staffing_service_level,
                                answer_within=s.staffing_answer_seconds)
    return {"from": str(start), "to": str(end), "days_with_calls": days,
            "target": s.staffing_service_level, "answer_within": s.staffing_answer_seconds,
            "rows": [r.to_dict() for r in rows]}


_date_param = {"type": "string", "format": "date", "maxLength": 10}
OPS: list[Op] = [
    Op("GET", "/api/tickets/returned", returned_tickets, CENTER,
       "The contact center's queue of returned tickets", "tickets",
       params=(Param("mine", {"type": "boolean"}),)),
    Op("GET", "/api/tickets/similar", similar_tickets, CENTER,
       "Open tickets that look like the same problem", "tickets", params=(
           Param("department", _s, required=True),
           Param("kind", {"type": "string", "enum": [*ticket_api.KINDS, "callback"]},
                 required=True),
           Param("subject", {"type": "string", "maxLength": 200}),
           Param("description", {"type": "string", "maxLength": 4000}),
           Param("address", {"type": "string", "maxLength": 300}))),
    Op("POST", "/api/tickets/{number}/return", ticket_return,
       frozenset({"department", "supervisor"}), "Return to the contact center (wrong department)",
       "tickets", params=(_number,),
       body=_obj(["reason"], reason={"type": "string", "minLength": 1, "maxLength": 500},
                 suggested_department=_s)),
    Op("POST", "/api/tickets/{number}/merge", ticket_merge, frozenset({"agent", "supervisor"}),
       "Merge this duplicate into another ticket", "tickets", params=(_number,),
       body=_obj(["into"], into={"type": "string", "minLength": 1, "maxLength": 32})),
    Op("GET", "/api/stats/followup", followup_stats,
       frozenset({"department", "supervisor", "admin"}),
       "Overdue, returned, merged; operators needed now", "stats"),
    Op("GET", "/api/stats/staffing", staffing_table, STAFF,
       "Operators needed per half hour (Erlang C)", "stats",
       params=(Param("from", _date_param), Param("to", _date_param))),
]
