"""The administrator's side of personal data: the audit log (read and
export), a citizen's export and erasure, and a retention run on demand.
Every one of these is itself written to the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse

from kontakt.http import sources
from kontakt.http.errors import ApiError
from kontakt.http.ops import Call, Op, Param
from kontakt.privacy.audit import ACTIONS, Entry
from kontakt.privacy.citizen import CitizenError, Citizens
from kontakt.privacy.retention import RetentionJob

ADMIN = frozenset({"admin"})
_reason = {"type": "string", "minLength": 5, "maxLength": 300}
_citizen = {"type": "object", "required": ["reason"], "additionalProperties": False,
            "properties": {"phone": {"type": "string", "minLength": 3, "maxLength": 32},
                           "email": {"type": "string", "minLength": 3, "maxLength": 254},
                           "reason": _reason}}
_filters = (Param("actor", {"type": "string", "maxLength": 64}),
            Param("ticket", {"type": "string", "maxLength": 24}),
            Param("action", {"type": "string", "enum": list(ACTIONS)}),
            Param("since", {"type": "string", "maxLength": 40}, description="ISO 8601"),
            Param("until", {"type": "string", "maxLength": 40}, description="ISO 8601"),
            Param("after", {"type": "integer", "minimum": 0, "maximum": 2**53},
                  description="the last id of the previous page"),
            Param("limit", {"type": "integer", "minimum": 1, "maximum": 10_000}))


def _when(c: Call, key: str) -> datetime | None:
    raw = c.query.get(key)
    if raw is None:
        return None
    try:
        t = datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(422, "request.invalid", f"{key}: an ISO 8601 date or time",
                       field=key, reason="not ISO 8601") from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


async def _read(c: Call, action: str, limit: int) -> list[dict[str, Any]]:
    q = c.query
    rows: list[dict[str, Any]] = await c.web.audit.read(
        actor=q.get("actor"), ticket=q.get("ticket"), action=q.get("action"),
        since=_when(c, "since"), until=_when(c, "until"), limit=q.get("limit", limit),
        after_id=q.get("after", 0))
    await c.web.audit.record([Entry(c.user.username, c.user.role, action, q.get("ticket"),
                                    "administration", c.web.door.client(c.request.scope),
                                    {k: v for k, v in q.items()} | {"rows": len(rows)})])
    return rows


async def audit_read(c: Call) -> Any:
    return {"entries": await _read(c, "audit.read", 500)}


async def audit_export(c: Call) -> Any:
    rows = await _read(c, "audit.export", 10_000)
    day = datetime.now(UTC).strftime("%Y%m%d")
    return JSONResponse({"exported_at": datetime.now(UTC).isoformat(), "entries": rows},
                        headers={"Content-Disposition": f'attachment; filename="audit-{day}.json"'})


def _citizens(c: Call) -> Citizens:
    return Citizens(c.web.ctx.sessionmaker, sources.tickets(c.web), c.web.audit)


async def citizen_export(c: Call) -> Any:
    try:
        return await _citizens(c).export(
            phone=c.body.get("phone"), email=c.body.get("email"), by=sources.actor(c.user),
            reason=c.body["reason"], client=c.web.door.client(c.request.scope))
    except CitizenError as e:
        raise ApiError(422, e.code, str(e), **e.details) from None


async def citizen_erase(c: Call) -> Any:
    try:
        return await _citizens(c).erase(
            phone=c.body.get("phone"), email=c.body.get("email"), by=sources.actor(c.user),
            reason=c.body["reason"], client=c.web.door.client(c.request.scope))
    except CitizenError as e:
        raise ApiError(422, e.code, str(e), **e.details) from None


async def retention_run(c: Call) -> Any:
    job = RetentionJob(c.web.ctx.sessionmaker, c.web.ctx.settings.retention_days,
                       audit=c.web.audit)
    return (await job.run_once()).to_dict()


OPS: list[Op] = [
    Op("GET", "/api/audit", audit_read, ADMIN, "The personal-data audit log", "privacy",
       params=_filters),
    Op("GET", "/api/audit/export", audit_export, ADMIN, "Export the audit log (JSON file)",
       "privacy", params=_filters),
    Op("POST", "/api/citizens/export", citizen_export, ADMIN,
       "Everything held about a citizen (their request for their data)", "privacy",
       body=_citizen),
    Op("POST", "/api/citizens/erase", citizen_erase, ADMIN,
       "Erase a citizen's personal data (their request)", "privacy", body=_citizen),
    Op("POST", "/api/retention/run", retention_run, ADMIN,
       "Anonymise what is past the retention period, now", "privacy"),
]
