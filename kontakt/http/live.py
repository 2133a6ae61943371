"""``GET /api/events``: server-sent events from the hub, filtered for the
user's role.  A reconnecting browser sends ``Last-Event-ID`` (EventSource
does it by itself) and gets what it missed from the ring buffer."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.responses import StreamingResponse

from kontakt.http.hub import visible
from kontakt.http.ops import Call

KEEPALIVE = 15.0


def _last_id(c: Call) -> int:
    raw = c.request.headers.get("last-event-id") or c.query.get("last_id") or 0
    try:
        return max(0, int(raw))
    except (TypeError, ValueError):
        return 0


async def events(c: Call) -> Any:
    web, user = c.web, c.user
    last = _last_id(c)

    async def stream() -> AsyncIterator[str]:
        nonlocal last
        web.hub.clients += 1
        try:
            yield f"retry: 1000\nevent: hello\ndata: {json.dumps({'seq': web.hub.seq})}\n\n"
            while not web.hub.closed:
                if web.sessions.get_quiet(c.token) is None:
                    yield "event: logout\ndata: {}\n\n"
                    return
                items = web.hub.since(last)
                for seq, topic, event in items:
                    last = seq
                    shown = visible(user, topic, event, web.ctx.mqtt_prefix)
                    if shown is not None:
                        yield f"id: {seq}\ndata: {json.dumps(shown, ensure_ascii=False)}\n\n"
                if not items:
                    yield ": keepalive\n\n"
                await web.hub.wait(KEEPALIVE)
        finally:
            web.hub.clients -= 1

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
