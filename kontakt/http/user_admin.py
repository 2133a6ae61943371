"""The administrator manages users in the page and the API: add (in
``api.py``), change role, department, seat or name, deactivate, reset the
password (a generated one, shown once and never stored in clear).  Every
change is audited and ends the user's sessions, so a new role or a
deactivation takes effect at once.  The last active administrator can be
neither deactivated nor demoted."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select

from infra.logs import get_logger
from kontakt.http import sources
from kontakt.http.errors import ApiError
from kontakt.http.ops import Call, Op, Param
from kontakt.http.users import ROLES, UserRow, count_admins, hash_password
from kontakt.privacy.audit import Entry

log = get_logger("kontakt.http")
ADMIN = frozenset({"admin"})
_user = Param("username", {"type": "string", "minLength": 1, "maxLength": 32}, "path")


async def _audit(c: Call, action: str, username: str, details: dict[str, Any]) -> None:
    await c.web.audit.record([Entry(c.user.username, c.user.role, action, None, username,
                                    c.web.door.client(c.request.scope), details)])
    log.info(action, username=username, by=c.user.username)


async def _change(c: Call, fn: Any) -> dict[str, Any]:
    username = c.path["username"]
    async with c.web.ctx.sessionmaker() as s, s.begin():
        row = await s.scalar(select(UserRow).where(UserRow.username == username))
        if row is None or not row.active:
            raise ApiError(404, "user.not_found", f"no user {username!r}", username=username)
        was_admin = row.role == "admin"
        out = fn(row)
        if was_admin and (row.role != "admin" or not row.active) \
                and await count_admins(c.web.ctx.sessionmaker) <= 1:
            raise ApiError(409, "user.last_admin", "the last administrator stays",
                           username=username)
        public = {"username": row.username, "role": row.role, "department": row.department,
                  "agent_id": row.agent_id, "full_name": row.full_name, "active": row.active}
    c.web.sessions.drop_user(username)
    return {**public, **(out or {})}


async def user_update(c: Call) -> Any:
    b = c.body
    if b.get("department"):
        sources.department(c.web, b["department"])

    def apply(row: UserRow) -> None:
        role = b.get("role", row.role)
        if role == "department" and not (b.get("department") or row.department):
            raise ApiError(422, "user.department_required", "department staff need a department")
        if role == "agent" and not (b.get("agent_id") or row.agent_id):
            raise ApiError(422, "user.agent_required", "agents need a seat (agent07)")
        row.role = role
        row.department = (b.get("department") or row.department) if role == "department" else None
        row.agent_id = (b.get("agent_id") or row.agent_id) if role == "agent" else None
        if "full_name" in b:
            row.full_name = b["full_name"]

    out = await _change(c, apply)
    await _audit(c, "user.update", out["username"], {k: out[k] for k in ("role", "department",
                                                                         "agent_id")})
    return out


async def user_deactivate(c: Call) -> Any:
    if c.path["username"] == c.user.username:
        raise ApiError(409, "user.self", "you cannot deactivate yourself")

    def apply(row: UserRow) -> None:
        row.active = False

    out = await _change(c, apply)
    await _audit(c, "user.deactivate", out["username"], {})
    return out


async def user_reset_password(c: Call) -> Any:
    password = secrets.token_urlsafe(12)  # ~16 characters, shown once

    def apply(row: UserRow) -> dict[str, Any]:
        row.password_hash = hash_password(password)
        return {"password": password}

    out = await _change(c, apply)
    await _audit(c, "user.password_reset", out["username"], {})
    return out


OPS: list[Op] = [
    Op("POST", "/api/users/{username}/update", user_update, ADMIN,
       "Change a user's role, department, seat or name (audited)", "users", params=(_user,),
       body={"type": "object", "additionalProperties": False, "properties": {
           "role": {"type": "string", "enum": list(ROLES)},
           "department": {"type": "string", "minLength": 1, "maxLength": 64},
           "agent_id": {"type": "string", "minLength": 1, "maxLength": 32},
           "full_name": {"type": "string", "maxLength": 100}}}),
    Op("POST", "/api/users/{username}/deactivate", user_deactivate, ADMIN,
       "Deactivate a user (audited; their sessions end)", "users", params=(_user,)),
    Op("POST", "/api/users/{username}/reset-password", user_reset_password, ADMIN,
       "Reset a password: a generated one, shown once (audited)", "users", params=(_user,)),
]
