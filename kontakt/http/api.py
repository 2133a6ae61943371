"""The workstation API under ``/api/``: thin handlers that check, then call
the ticket service, the ACD facade or the configuration holder.
"""

from __future__ import annotations

from typing import Any

from infra.logs import get_logger
from kontakt.http import (
    attachments_api,
    callstats,
    chat_api,
    citizen_api,
    config_api,
    followup_api,
    notify_api,
    privacy_api,
    queue_api,
    recording_api,
    session_api,
    sources,
    supervise_api,
    supervisor_api,
    ticket_api,
    user_admin,
)
from kontakt.http.errors import ApiError
from kontakt.http.ops import ALL, Call, Op, Param
from kontakt.http.users import LANGS, ROLES, UserError, add_user, list_users
from kontakt.privacy.audit import Entry

log = get_logger("kontakt.http")

try:  # the ACD's own list and lifecycle, when present
    from acd.agent import PAUSE_REASONS
    from acd.agent import TRANSITIONS as AGENT_STEPS
except ImportError:  # pragma: no cover
    PAUSE_REASONS = ("break", "meeting", "back-office", "training", "no-answer", "other")
    AGENT_STEPS = {}

# What an agent's buttons do, in the ACD's words: offered only where the
# agent's lifecycle has that step from the current state.
AGENT_ACTIONS = ("login", "ready", "pause", "logout")


def agent_actions(state: str) -> list[str]:
    steps = next((v for k, v in AGENT_STEPS.items() if str(k) == state), {})
    names = {str(e) for e in steps}
    return [a for a in AGENT_ACTIONS if a in names and not (a == "ready" and state == "available")
            and not (a == "login" and state != "logged_out")]

KINDS = ("complaint", "request", "suggestion", "information")
STAFF = frozenset({"supervisor", "admin"})

_s = {"type": "string", "minLength": 1, "maxLength": 64}
_text = {"type": "string", "maxLength": 4000}
# The citizen's contact on a ticket an operator opens (pre-filled from the call).
CONTACT = {"phone": {"type": "string", "maxLength": 32},
           "name": {"type": "string", "maxLength": 200},
           "email": {"type": "string", "maxLength": 254}}


def _obj(required: list[str], **props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props,
            "additionalProperties": False}


# -- agents and calls ---------------------------------------------------------

def _engine(c: Call) -> Any:
    if c.web.ctx.engine is None:
        raise ApiError(503, "engine.unavailable", "the call engine is not running")
    return c.web.ctx.engine


def _own_agent(c: Call) -> str:
    if not c.user.agent_id:
        raise ApiError(409, "agent.no_seat", "this user has no agent seat")
    return c.user.agent_id


def _find_agent(snapshot: dict[str, Any], agent_id: str) -> dict[str, Any] | None:
    return next((a for a in snapshot.get("agents", []) if a.get("id") == agent_id), None)


async def agents(c: Call) -> Any:
    return {"agents": _engine(c).snapshot().get("agents", [])}


async def my_agent(c: Call) -> Any:
    agent_id = _own_agent(c)
    snap = _engine(c).snapshot()
    a = _find_agent(snap, agent_id) or {"id": agent_id, "state": "logged_out", "call": None}
    waiting = snap.get("waiting", [])
    return {"agent": a, "actions": agent_actions(str(a.get("state"))), "waiting": len(waiting),
            "longest_wait": max((w.get("wait", 0) for w in waiting), default=0)}


async def agent_login(c: Call) -> Any:
    agent_id = _own_agent(c)
    await _engine(c).agent_login(agent_id, (c.body or {}).get("skills"))
    return await my_agent(c)


async def agent_pause(c: Call) -> Any:
    await _engine(c).agent_pause(_own_agent(c), c.body["reason"])
    return await my_agent(c)


async def agent_ready(c: Call) -> Any:
    await _engine(c).agent_ready(_own_agent(c))
    return await my_agent(c)


async def agent_logout(c: Call) -> Any:
    await _engine(c).agent_logout(_own_agent(c))
    return await my_agent(c)


async def calls(c: Call) -> Any:
    snap = _engine(c).snapshot()
    active = [{**a["call"], "agent": a["id"]} for a in snap.get("agents", []) if a.get("call")]
    return {"waiting": snap.get("waiting", []), "active": active}


async def transfer(c: Call) -> Any:
    """Open a ticket for the live call and transfer the call to the department."""
    agent_id = _own_agent(c)
    a = _find_agent(_engine(c).snapshot(), agent_id)
    call = (a or {}).get("call")
    body = dict(c.body)
    meant = body.pop("call", None)  # the uniqueid of the call the operator talks to
    # Only a call the operator is talking to: a call still ringing at her
    # phone is a citizen she has not heard (one whose call ended meanwhile
    # would otherwise send the next citizen away unanswered).
    if not call or not call.get("channel") or (a or {}).get("state") != "talking":
        raise ApiError(409, "call.no_call", "no live call to transfer", agent=agent_id,
                       state=(a or {}).get("state"))
    if meant is not None and meant != call.get("uniqueid"):
        raise ApiError(409, "call.not_current", "that call is no longer yours: not transferred",
                       agent=agent_id, call=meant, current=call.get("uniqueid"))
    sources.department(c.web, body["department"])
    phone = body.pop("phone", None) or call.get("caller")  # the operator's correction first
    ticket = await sources.tickets(c.web).open_and_transfer(
        sources.actor(c.user), channel=call["channel"], uniqueid=call.get("uniqueid"),
        phone=phone, language=call.get("language"), **body)
    return await ticket_api.present_one(c, sources.ticket_json(ticket))


# -- departments, users, configuration, statistics ----------------------------

async def departments(c: Call) -> Any:
    return {"departments": [sources.department_json(d) for d in sources.departments(c.web)]}


async def department_staff(c: Call) -> Any:
    dep = c.path["department"]
    if c.user.role == "department" and dep != c.user.department:
        raise ApiError(403, "department.forbidden", "only your own department",
                       department=dep)
    sources.department(c.web, dep)
    staff = await list_users(c.web.ctx.sessionmaker, role="department", department=dep)
    return {"staff": [{"username": u.username, "full_name": u.full_name} for u in staff]}


async def users(c: Call) -> Any:
    return {"users": [u.public() for u in await list_users(c.web.ctx.sessionmaker)]}


async def user_add(c: Call) -> Any:
    b = c.body
    if b.get("department"):
        sources.department(c.web, b["department"])
    try:
        u = await add_user(c.web.ctx.sessionmaker, b["username"], b["password"], b["role"],
                           department=b.get("department"), agent_id=b.get("agent_id"),
                           full_name=b.get("full_name", ""), lang=b.get("lang", "sr-Cyrl"))
    except UserError as e:
        raise ApiError(409 if e.code == "user.exists" else 422, e.code, str(e),
                       **e.details) from None
    log.info("user.added", username=u.username, role=u.role, by=c.user.username)
    await c.web.audit.record([Entry(c.user.username, c.user.role, "user.add", None, u.username,
                                    c.web.door.client(c.request.scope), {"role": u.role})])
    return u.public()


async def config_get(c: Call) -> Any:
    return sources.config_read(c.web)


async def config_validate(c: Call) -> Any:
    problems = sources.config_problems(c.web, c.body["text"])
    return {"valid": not problems, "problems": problems}


async def config_apply(c: Call) -> Any:
    problems = sources.config_problems(c.web, c.body["text"])
    if problems:
        raise ApiError(422, "config.invalid", "the configuration has problems",
                       problems=problems)
    now = sources.config_read(c.web)
    await config_api.remember(c.web, now["text"], now["version"], c.user.username)
    await sources.config_apply(c.web, c.body["text"])
    log.info("config.applied", by=c.user.username)
    return {"applied": True, **sources.config_read(c.web)}


async def stats_today(c: Call) -> Any:
    snap = c.web.ctx.engine.snapshot() if c.web.ctx.engine else {}
    counts = await sources.ticket_counts(c.web)
    return callstats.today(snap, counts, c.web.ctx.now())


async def stats_history(c: Call) -> Any:
    days = c.query.get("days", 7)
    by = c.query.get("by", "day")
    rows = await callstats.load(c.web.ctx.sessionmaker, c.web.ctx.now(), days)
    return {"by": by, "rows": callstats.aggregate(rows, by)}


OPS: list[Op] = [
    *session_api.OPS,
    Op("GET", "/api/agents", agents, STAFF, "List agents and their states", "agents"),
    Op("GET", "/api/agents/me", my_agent, frozenset({"agent"}), "My agent state", "agents"),
    Op("POST", "/api/agents/me/login", agent_login, frozenset({"agent"}), "Agent login",
       "agents", body={"type": "object", "additionalProperties": False, "properties": {
           "skills": {"type": "array", "maxItems": 8, "items": {"type": "string",
                                                                "enum": ["sr", "hu", "en"]}}}}),
    Op("POST", "/api/agents/me/pause", agent_pause, frozenset({"agent"}), "Pause with a reason",
       "agents", body=_obj(["reason"], reason={"type": "string", "enum": list(PAUSE_REASONS)})),
    Op("POST", "/api/agents/me/ready", agent_ready, frozenset({"agent"}), "Ready", "agents"),
    Op("POST", "/api/agents/me/logout", agent_logout, frozenset({"agent"}), "Agent logout",
       "agents"),
    Op("GET", "/api/calls", calls, STAFF, "Current and waiting calls", "calls"),
    Op("POST", "/api/calls/transfer", transfer, frozenset({"agent"}),
       "Open a ticket and transfer the live call to its department", "calls",
       body=_obj(["kind", "department", "subject"],
                 kind={"type": "string", "enum": list(KINDS)}, department=_s,
                 subject={"type": "string", "minLength": 1, "maxLength": 200},
                 description=_text, call=_s, **CONTACT)),
    *followup_api.OPS,  # before ticket_api: /api/tickets/returned is not a number
    *ticket_api.OPS,
    *notify_api.OPS,
    *attachments_api.OPS,
    *queue_api.OPS,
    *citizen_api.OPS,
    *supervisor_api.OPS,
    *user_admin.OPS,
    *config_api.OPS,
    Op("GET", "/api/departments", departments, ALL, "Departments", "departments"),
    Op("GET", "/api/departments/{department}/staff", department_staff,
       frozenset({"department", "supervisor", "admin"}), "A department's staff", "departments",
       params=(Param("department", _s, "path"),)),
    Op("GET", "/api/users", users, frozenset({"admin"}), "Users", "users"),
    Op("POST", "/api/users", user_add, frozenset({"admin"}), "Add a user", "users", status=201,
       body=_obj(["username", "password", "role"], username=_s,
                 password={"type": "string", "minLength": 8, "maxLength": 256},
                 role={"type": "string", "enum": list(ROLES)}, department=_s,
                 agent_id=_s, full_name={"type": "string", "maxLength": 100},
                 lang={"type": "string", "enum": list(LANGS)})),
    Op("GET", "/api/config", config_get, frozenset({"supervisor", "admin"}),
       "Read the configuration", "config"),
    Op("POST", "/api/config/validate", config_validate, frozenset({"admin"}),
       "Validate a configuration", "config",
       body=_obj(["text"], text={"type": "string", "maxLength": 60000})),
    Op("POST", "/api/config/apply", config_apply, frozenset({"admin"}),
       "Apply a configuration without dropping calls", "config",
       body=_obj(["text"], text={"type": "string", "maxLength": 60000})),
    Op("GET", "/api/stats/today", stats_today, STAFF, "Today's figures", "stats"),
    Op("GET", "/api/stats/history", stats_history, STAFF, "Figures per past day or hour",
       "stats", params=(Param("days", {"type": "integer", "minimum": 1, "maximum": 92}),
                        Param("by", {"type": "string", "enum": ["day", "hour"]}))),
    *privacy_api.OPS,
    *chat_api.OPS,
    *supervise_api.OPS,
    *recording_api.OPS,
]
