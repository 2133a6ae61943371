"""A ticket's e-mail attachments (``kontakt.channels``): listed and
downloaded by whoever may see the ticket (department staff: their own
department's tickets only, the same check as ``/api/tickets/{number}``).
Files are served as downloads (``Content-Disposition: attachment``), never
shown inline, whatever type the citizen's mail said."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from kontakt.channels.store import ChannelLog
from kontakt.http import ticket_api
from kontakt.http.errors import ApiError
from kontakt.http.ops import ALL, Call, Op, Param


async def _conversations(sm: Any, number: str) -> list[int]:
    from sqlalchemy import select

    from kontakt.chat.store import ConversationRow

    async with sm() as s:
        return list((await s.scalars(select(ConversationRow.id).where(
            ConversationRow.ticket_number == number))).all())


async def _listed(c: Call) -> tuple[ChannelLog, list[Any]]:
    t = await ticket_api._guard(c)
    sm = c.web.ctx.sessionmaker
    log = ChannelLog(sm)
    number = str(t.get("number"))
    return log, await log.attachments(number, await _conversations(sm, number))


async def attachments(c: Call) -> Any:
    _, found = await _listed(c)
    return {"attachments": [{"id": a.id, "filename": a.filename,
                             "content_type": a.content_type, "size": a.size} for a in found]}


async def attachment(c: Call) -> Any:
    log, found = await _listed(c)
    try:
        wanted = int(c.path["attachment"])
    except ValueError:
        raise ApiError(400, "attachment.bad_id", "attachment: a number") from None
    if wanted not in {a.id for a in found}:
        raise ApiError(404, "attachment.not_found", f"no attachment {wanted} on this ticket")
    row = await log.attachment(wanted)
    if row is None:
        raise ApiError(404, "attachment.not_found", f"no attachment {wanted} on this ticket")
    return Response(row.data, media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


_number = Param("number", {"type": "string", "minLength": 1, "maxLength": 32}, "path")
OPS: list[Op] = [
    Op("GET", "/api/tickets/{number}/attachments", attachments, ALL,
       "A ticket's e-mail attachments", "tickets", params=(_number,)),
    Op("GET", "/api/tickets/{number}/attachments/{attachment}", attachment, ALL,
       "One attachment (a download)", "tickets",
       params=(_number, Param("attachment", {"type": "string", "pattern": "^[0-9]{1,9}$"},
                              "path"))),
]
