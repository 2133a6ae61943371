"""``POST /api/supervise``: the supervisor listens to, whispers to or barges
into an operator's live call; the supervisor's own phone rings."""

from __future__ import annotations

from typing import Any

from kontakt.http.errors import ApiError
from kontakt.http.ops import Call, Op


async def supervise(c: Call) -> Any:
    from kontakt.supervise import SuperviseError

    tool = c.web.ctx.supervise
    if tool is None:
        # A web service run without the telephony engine (or without
        # supervisors' phones): not a failure of this server, so 409, not 5xx.
        raise ApiError(409, "supervise.unavailable", "listening in needs the running engine")
    try:
        started = await tool.start(c.user, c.body["agent"], c.body["mode"], audit=c.web.audit,
                                   client=c.web.door.client(c.request.scope))
    except SuperviseError as e:
        raise ApiError(e.status, e.code, str(e), **e.details) from None
    return {"agent": started.agent, "mode": started.mode, "phone": started.phone,
            "ringing": True}


OPS: list[Op] = [
    Op("POST", "/api/supervise", supervise, frozenset({"supervisor"}),
       "Listen to, whisper to or barge into an operator's live call (your phone rings)",
       "calls", body={"type": "object", "required": ["agent", "mode"],
                      "additionalProperties": False, "properties": {
                          "agent": {"type": "string", "pattern": "^agent[0-9]{2}$"},
                          "mode": {"type": "string", "enum": ["listen", "whisper", "barge"]}}}),
]
