"""What the supervisor does from the wallboard, not just watches:

* pause, make ready or log out an operator (``/api/agents/{agent}/...``)
  through the engine's own agent control (the same path the operator's
  buttons take), with the supervisor's reason, audited;
* export tickets and call figures as CSV (``text/csv``, UTF-8 with a BOM so
  spreadsheet programs open Cyrillic correctly).  The ticket export carries
  no personal data (no phone, name, e-mail or address).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.responses import Response

from infra.logs import get_logger
from kontakt.http import callstats, sources
from kontakt.http.errors import ApiError
from kontakt.http.ops import Call, Op, Param
from kontakt.http.ticket_api import KINDS, STATUSES
from kontakt.privacy.audit import Entry

log = get_logger("kontakt.http")
STAFF = frozenset({"supervisor", "admin"})
CITY_TZ = ZoneInfo("Europe/Belgrade")
EXPORT_MAX = 20_000
try:
    from acd.agent import PAUSE_REASONS
except ImportError:  # pragma: no cover
    PAUSE_REASONS = ("break", "meeting", "back-office", "training", "no-answer", "other")


# -- agent control ------------------------------------------------------------------

def _engine(c: Call) -> Any:
    if c.web.ctx.engine is None:
        raise ApiError(503, "engine.unavailable", "the call engine is not running")
    return c.web.ctx.engine


async def _control(c: Call, action: str) -> Any:
    engine, agent = _engine(c), c.path["agent"]
    if not any(a.get("id") == agent for a in engine.snapshot().get("agents", [])):
        raise ApiError(404, "agent.unknown", f"no agent {agent}", agent=agent)
    note = c.body["note"].strip()
    if action == "pause":
        await engine.agent_pause(agent, c.body["reason"])
    elif action == "ready":
        await engine.agent_ready(agent)
    else:
        await engine.agent_logout(agent)
    details = {"agent": agent, **({"pause_reason": c.body["reason"]} if action == "pause" else {})}
    await c.web.audit.record([Entry(c.user.username, c.user.role, f"agent.{action}", None, note,
                                    c.web.door.client(c.request.scope), details)])
    log.info(f"agent.{action}_by_supervisor", agent=agent, by=c.user.username, note=note)
    a = next(a for a in engine.snapshot().get("agents", []) if a.get("id") == agent)
    return {"agent": a}


async def agent_pause_other(c: Call) -> Any:
    return await _control(c, "pause")


async def agent_ready_other(c: Call) -> Any:
    return await _control(c, "ready")


async def agent_logout_other(c: Call) -> Any:
    return await _control(c, "logout")


# -- CSV exports -----------------------------------------------------------------------

def csv_response(header: list[str], rows: list[list[Any]], filename: str) -> Response:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return Response(("\ufeff" + buf.getvalue()).encode("utf-8"),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _local(iso: Any) -> str:
    if not iso:
        return ""
    dt = iso if isinstance(iso, datetime) else datetime.fromisoformat(str(iso))
    return dt.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M")


async def export_tickets(c: Call) -> Any:
    names = {d.id: d.name for d in sources.departments(c.web)}
    q = {k: v for k, v in c.query.items() if k in ("status", "kind", "department", "since",
                                                  "until")}
    svc, rows, offset = sources.tickets(c.web), [], 0
    while offset < EXPORT_MAX:
        got = await svc.work_queue(sources.actor(c.user), sort="newest", offset=offset,
                                   limit=200, **q)
        for t in got["tickets"]:
            t = sources.ticket_json(t)
            dep = t.get("department")
            rows.append([t["number"], _local(t["created_at"]), t["kind"], t["status"],
                         names.get(dep, dep) if dep else "без службе", t["channel"],
                         t["subject"], t.get("assignee") or "", _local(t["updated_at"])])
        offset += 200
        if offset >= got["total"]:
            break
    header = ["број", "отворен", "врста", "статус", "служба", "канал", "наслов", "задужен",
              "измењен"]
    return csv_response(header, rows, "tiketi.csv")


async def export_calls(c: Call) -> Any:
    by, days = c.query.get("by", "day"), c.query.get("days", 30)
    found = await callstats.load(c.web.ctx.sessionmaker, c.web.ctx.now(), days)
    rows = [[r["period"], r["offered"], r["answered"], r["abandoned"], r.get("rejected", 0),
             "" if r.get("service_level") is None else r["service_level"],
             "" if r.get("asa") is None else r["asa"]]
            for r in callstats.aggregate(found, by)]
    header = ["период", "понуђени", "одговорени", "одустали", "одбијени", "ниво услуге",
              "просечно чекање (s)"]
    return csv_response(header, rows, f"pozivi-{by}.csv")


_agent = Param("agent", {"type": "string", "minLength": 1, "maxLength": 64}, "path")
_note = {"type": "string", "minLength": 3, "maxLength": 200}
_date = {"type": "string", "minLength": 10, "maxLength": 32}


def _body(**extra: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["note", *extra], "additionalProperties": False,
            "properties": {"note": _note, **extra}}


OPS: list[Op] = [
    Op("POST", "/api/agents/{agent}/pause", agent_pause_other, STAFF,
       "Pause an operator (with a reason, audited)", "agents", params=(_agent,),
       body=_body(reason={"type": "string", "enum": list(PAUSE_REASONS)})),
    Op("POST", "/api/agents/{agent}/ready", agent_ready_other, STAFF,
       "Make an operator ready (audited)", "agents", params=(_agent,), body=_body()),
    Op("POST", "/api/agents/{agent}/logout", agent_logout_other, STAFF,
       "Log an operator out of the queue (audited)", "agents", params=(_agent,), body=_body()),
    Op("GET", "/api/export/tickets.csv", export_tickets, STAFF, "Tickets as CSV", "export",
       params=(Param("status", {"type": "string", "enum": list(STATUSES)}),
               Param("kind", {"type": "string", "enum": [*KINDS, "callback"]}),
               Param("department", {"type": "string", "minLength": 1, "maxLength": 64}),
               Param("since", _date), Param("until", _date))),
    Op("GET", "/api/export/calls.csv", export_calls, STAFF, "Call figures as CSV", "export",
       params=(Param("days", {"type": "integer", "minimum": 1, "maximum": 92}),
               Param("by", {"type": "string", "enum": ["day", "hour"]}))),
]
