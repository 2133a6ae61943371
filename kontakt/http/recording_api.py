"""Recordings in the browser: a ticket's recordings (through its calls), the
audio itself, and sharing one with a department.  Supervisors and the
operator who handled the call may play it; department staff only when it is
shared with their department.  Every playback is written to the audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.responses import FileResponse

from kontakt import recordings
from kontakt.http.errors import ApiError
from kontakt.http.ops import ALL, Call, Op, Param
from kontakt.privacy.audit import Entry

_uid = Param("uniqueid", {"type": "string", "pattern": "^[0-9]{1,20}\\.[0-9]{1,10}$"}, "path")
_number = Param("number", {"type": "string", "minLength": 1, "maxLength": 32}, "path")


def _not_found(uid: str) -> ApiError:
    return ApiError(404, "recording.not_found", f"no recording of call {uid}", uniqueid=uid)


async def of_ticket(c: Call) -> Any:
    from kontakt.http.ticket_api import _guard

    t = await _guard(c)
    sm = c.web.ctx.sessionmaker
    found = await recordings.of_calls(sm, [x["uniqueid"] for x in t.get("calls", [])])
    out = []
    for r in found:
        if await recordings.may_play(sm, c.user, r) is not None:
            out.append({"uniqueid": r.uniqueid, "language": r.language,
                        "started_at": r.started_at, "shared_department": r.shared_department,
                        "url": f"/api/recordings/{r.uniqueid}"})
    return {"ticket": t.get("number"), "recordings": out}


async def play(c: Call) -> Any:
    uid = c.path["uniqueid"]
    sm = c.web.ctx.sessionmaker
    rec = await recordings.get(sm, uid)
    if rec is None:
        raise _not_found(uid)
    basis = await recordings.may_play(sm, c.user, rec)
    client = c.web.door.client(c.request.scope)
    if basis is None:
        await c.web.audit.record([Entry(c.user.username, c.user.role, "recording.play", None,
                                        "refused", client, {"uniqueid": uid})])
        raise _not_found(uid)  # not even whether it exists
    path = Path(rec.path)
    if not path.exists():  # noqa: ASYNC240 (one stat, local disk)
        raise ApiError(404, "recording.no_file", "the recording's file is gone", uniqueid=uid)
    await c.web.audit.record([Entry(c.user.username, c.user.role, "recording.play", None,
                                    basis, client, {"uniqueid": uid})])
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "no-store"})


async def share_with(c: Call) -> Any:
    from kontakt.http.sources import department

    dep = c.body.get("department")
    if dep:
        department(c.web, dep)
    if not await recordings.share(c.web.ctx.sessionmaker, c.path["uniqueid"], dep or None):
        raise _not_found(c.path["uniqueid"])
    return {"uniqueid": c.path["uniqueid"], "shared_department": dep or None}


OPS: list[Op] = [
    Op("GET", "/api/tickets/{number}/recordings", of_ticket, ALL,
       "The recordings of a ticket's calls you may play", "recordings", params=(_number,)),
    Op("GET", "/api/recordings/{uniqueid}", play, ALL, "Play a recording (audited)",
       "recordings", params=(_uid,)),
    Op("POST", "/api/recordings/{uniqueid}/share", share_with, frozenset({"supervisor"}),
       "Share a recording with a department (empty: with none)", "recordings",
       params=(_uid,), body={"type": "object", "additionalProperties": False, "properties": {
           "department": {"type": "string", "maxLength": 64}}}),
]
