"""Web chat: the citizen's side (no account) and the operator's.

A citizen opens a chat from ``/citizen`` and gets an HttpOnly cookie
(``kontakt_chat``: the chat's id and a random secret, of which only a hash
is kept) that every later call of that browser carries; the cookie is
SameSite=Strict and every state change still passes the door's Origin and
JSON checks.  The citizen reads its place in the queue, the expected wait
and the messages (``GET /api/chat/me``), and is woken by its own live
stream (``/api/chat/me/events``: the hub's ``chats`` events of that chat,
ids only).  Floods are slowed per chat and per address with the login
throttle's mechanism; every message is limited in length; text is shown as
text by every page (never as markup).

Operators see the chats given to them beside their call, answer several,
open a ticket from a chat in one action, forward it, end it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

from starlette.responses import JSONResponse, StreamingResponse

from infra.logs import get_logger
from kontakt.http.errors import ApiError
from kontakt.http.hub import topic_parts
from kontakt.http.ops import ALL, Call, Op, Param, jsonable
from kontakt.http.sources import actor

log = get_logger("kontakt.http")
CHAT_COOKIE = "kontakt_chat"
ADDRESS_FACTOR = 4  # one address may be an office behind NAT
KEEPALIVE = 5.0  # the citizen's stream is also its sign of life
AGENT = frozenset({"agent"})
STAFF = frozenset({"supervisor", "admin"})
KINDS = ("complaint", "request", "suggestion", "information")
_text = {"type": "string", "minLength": 1, "maxLength": 4000}
_id = Param("conversation", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "path")
_after = Param("after", {"type": "integer", "minimum": 0, "maximum": 2**62})


def _obj(required: list[str], **props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props,
            "additionalProperties": False}


def _chats(c: Call) -> Any:
    if c.web.ctx.chats is None:
        raise ApiError(503, "chat.unavailable", "web chat is not available now")
    return c.web.ctx.chats


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _flood(c: Call, *keys: str) -> None:
    """Slow a flood down: each message counts on the chat and on the address."""
    web = c.web
    free = web.chat_flood.free

    def free_of(key: str) -> int:
        return free * ADDRESS_FACTOR if key.startswith("chat-address:") else free

    wait = max(web.chat_flood.wait(k, free_of(k)) for k in keys)
    if wait > 0:
        log.info("chat.flood_slowed", keys=list(keys), wait=round(wait, 1))
        raise ApiError(429, "chat.rate_limited", "too many messages; wait a moment",
                       retry_after=round(wait, 1))
    web.chat_flood.failed(*keys)


def _address_key(c: Call) -> str:
    return f"chat-address:{c.web.door.client(c.request.scope)}"


async def _citizen_chat(c: Call) -> int:
    """The chat this browser's cookie names, after checking its secret."""
    raw = c.request.cookies.get(CHAT_COOKIE, "")
    conv_id, _, secret = raw.partition(".")
    if not conv_id.isdigit() or not secret or len(raw) > 200:
        raise ApiError(404, "chat.not_found", "no chat in this browser")
    cache: dict[int, str] = c.web.chat_secrets
    known = cache.get(int(conv_id))
    if known is None:
        try:
            row = await _chats(c).store.row(int(conv_id))
        except Exception as e:
            raise ApiError(404, "chat.not_found", "no chat in this browser") from e
        known = row.secret_hash or ""
        cache[int(conv_id)] = known
    if not known or not secrets.compare_digest(known, _hash(secret)):
        raise ApiError(404, "chat.not_found", "no chat in this browser")
    _chats(c).seen(int(conv_id))
    return int(conv_id)


async def _view(c: Call, conv_id: int, after: int = 0) -> dict[str, Any]:
    chats = _chats(c)
    if conv_id in chats.blender.conversations:
        status = chats.status(conv_id)
    else:  # ended: the transcript stays readable
        row = await chats.store.row(conv_id)
        status = {"id": row.id, "channel": row.channel, "state": row.state, "agent": row.agent,
                  "ticket": row.ticket_number, "language": row.language, "position": None,
                  "expected_wait": None}
    messages = [m.public() for m in await chats.messages(conv_id, after)]
    return {**status, "messages": messages}


# -- the citizen --------------------------------------------------------------------
async def chat_open(c: Call) -> Any:
    chats = _chats(c)
    _flood(c, _address_key(c))
    secret = secrets.token_urlsafe(24)
    client = c.web.door.client(c.request.scope)
    conv = await chats.open("chat", f"web:{client}", c.body["text"],
                            language=c.body.get("language", "sr"), secret_hash=_hash(secret))
    c.web.chat_secrets[conv.id] = _hash(secret)
    resp = JSONResponse(jsonable(await _view(c, conv.id)), status_code=201)
    resp.set_cookie(CHAT_COOKIE, f"{conv.id}.{secret}", max_age=86400, httponly=True,
                    samesite="strict", path="/api/chat",
                    secure=c.web.door.is_https(c.request.scope))
    return resp


async def chat_me(c: Call) -> Any:
    return await _view(c, await _citizen_chat(c), c.query.get("after", 0))


async def chat_say(c: Call) -> Any:
    conv_id = await _citizen_chat(c)
    _flood(c, f"chat:{conv_id}", _address_key(c))
    msg_id = await _chats(c).inbound(conv_id, c.body["text"])
    return {"message": msg_id}


async def chat_fallback(c: Call) -> Any:
    conv_id = await _citizen_chat(c)
    _flood(c, f"chat:{conv_id}", _address_key(c))
    ticket = await _chats(c).fallback(conv_id, c.body["choice"], c.body.get("text"),
                                      c.body.get("phone"))
    return {"ticket": ticket["number"] if ticket else None}


async def chat_end(c: Call) -> Any:
    conv_id = await _citizen_chat(c)
    await _chats(c).citizen_left(conv_id)
    return {"ended": True}


async def chat_events(c: Call) -> Any:
    conv_id = await _citizen_chat(c)
    web, chats = c.web, _chats(c)
    mine = {("chats", str(conv_id)), ("chats", "queue")}

    async def stream() -> AsyncIterator[str]:
        last = web.hub.seq
        yield "retry: 2000\nevent: hello\ndata: {}\n\n"
        while not web.hub.closed:
            chats.seen(conv_id)
            items = web.hub.since(last)
            for seq, topic, event in items:
                last = seq
                if tuple(topic_parts(topic, web.ctx.mqtt_prefix)[:2]) in mine:
                    shown = {k: event.get(k) for k in ("type", "state", "message", "author")}
                    yield f"data: {json.dumps(shown)}\n\n"
            if not items:
                yield ": keepalive\n\n"
            if conv_id not in chats.blender.conversations:
                yield 'data: {"type": "chat.ended", "state": "ended"}\n\n'
                return
            await web.hub.wait(KEEPALIVE)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


# -- the operator ---------------------------------------------------------------------
def _agent(c: Call) -> str:
    if not c.user.agent_id:
        raise ApiError(409, "agent.no_seat", "this user has no agent seat")
    return str(c.user.agent_id)


async def my_chats(c: Call) -> Any:
    if c.web.ctx.chats is None:  # a service without web chat: the desk hides its chat section
        return {"enabled": False, "chats": [], "waiting": 0,
                "load": {"call": 0, "chat": 0, "sms": 0, "email": 0}}
    chats, agent = _chats(c), _agent(c)
    out = [await _view(c, conv.id) for conv in chats.blender.of_agent(agent)]
    return {"enabled": True, "chats": out, "load": chats.blender.load(agent),
            "waiting": len(chats.blender.waiting())}


async def chat_messages(c: Call) -> Any:
    chats, conv_id = _chats(c), c.path["conversation"]
    if c.user.role == "agent":
        chats.mine(_agent(c), conv_id)
    return await _view(c, conv_id, c.query.get("after", 0))


async def chat_reply(c: Call) -> Any:
    msg_id = await _chats(c).reply(_agent(c), c.path["conversation"], c.body["text"])
    return {"message": msg_id}


async def chat_ticket(c: Call) -> Any:
    b = c.body
    t = await _chats(c).open_ticket(actor(c.user), _agent(c), c.path["conversation"],
                                    kind=b["kind"], subject=b["subject"],
                                    department=b.get("department"))
    return {"ticket": t["number"], "department": t.get("department")}


async def chat_forward(c: Call) -> Any:
    b = c.body
    t = await _chats(c).forward(actor(c.user), _agent(c), c.path["conversation"],
                                department=b["department"], kind=b["kind"],
                                subject=b["subject"])
    return {"ticket": t["number"], "department": t.get("department")}


async def chat_close(c: Call) -> Any:
    await _chats(c).end(_agent(c), c.path["conversation"])
    return {"ended": True}


async def chat_board(c: Call) -> Any:
    if c.web.ctx.chats is None:  # a service without web chat: the board has none, no error
        return {"loads": [], "waiting": [], "enabled": False}
    chats = _chats(c)
    return {"enabled": True, "loads": chats.loads(),
            "waiting": [chats.status(conv.id) for conv in chats.blender.waiting()]}


async def ticket_transcript(c: Call) -> Any:
    """The conversations a ticket was opened from, with every message: whoever
    may read the ticket (its department too) may read its transcript."""
    chats, number = _chats(c), c.path["number"]
    await c.web.ctx.tickets.get(actor(c.user), number)  # raises unless visible
    out = []
    for conv_id in await chats.store.by_ticket(number):
        row = await chats.store.row(conv_id)
        out.append({"id": conv_id, "channel": row.channel, "state": row.state,
                    "messages": [m.public() for m in await chats.messages(conv_id)]})
    return {"ticket": number, "conversations": out}


_ticket_body = _obj(["kind", "subject"], kind={"type": "string", "enum": list(KINDS)},
                    subject={"type": "string", "minLength": 1, "maxLength": 200},
                    department={"type": "string", "minLength": 1, "maxLength": 64})
OPS: list[Op] = [
    Op("POST", "/api/chat", chat_open, None, "Open a web chat (citizen, no account)", "chat",
       status=201, body=_obj(["text"], text=_text,
                             language={"type": "string", "enum": ["sr", "hu", "sk", "en"]})),
    Op("GET", "/api/chat/me", chat_me, None, "My chat: place, wait, messages", "chat",
       params=(_after,)),
    Op("POST", "/api/chat/me/messages", chat_say, None, "Write in my chat", "chat",
       body=_obj(["text"], text=_text)),
    Op("POST", "/api/chat/me/fallback", chat_fallback, None,
       "Leave a message or ask for a callback instead of waiting", "chat",
       body=_obj(["choice"], choice={"type": "string", "enum": ["message", "callback", "wait"]},
                 text=_text, phone={"type": "string", "minLength": 3, "maxLength": 32})),
    Op("POST", "/api/chat/me/end", chat_end, None, "End my chat", "chat"),
    Op("GET", "/api/chat/me/events", chat_events, None, "My chat's live events", "chat",
       stream=True),
    Op("GET", "/api/chats", chat_board, STAFF, "Operators' loads and chats waiting", "chat"),
    Op("GET", "/api/chats/mine", my_chats, AGENT, "My chats", "chat"),
    Op("GET", "/api/chats/{conversation}", chat_messages, AGENT | STAFF,
       "A chat and its messages", "chat", params=(_id, _after)),
    Op("POST", "/api/chats/{conversation}/messages", chat_reply, AGENT, "Answer a chat", "chat",
       params=(_id,), body=_obj(["text"], text=_text)),
    Op("POST", "/api/chats/{conversation}/ticket", chat_ticket, AGENT,
       "Open a ticket from a chat (the transcript goes on it)", "chat", params=(_id,),
       body=_ticket_body),
    Op("POST", "/api/chats/{conversation}/forward", chat_forward, AGENT,
       "Forward a chat to a department (a ticket there) and end it", "chat", params=(_id,),
       body=_obj(["kind", "subject", "department"], **_ticket_body["properties"])),
    Op("POST", "/api/chats/{conversation}/end", chat_close, AGENT, "End a chat", "chat",
       params=(_id,)),
    Op("GET", "/api/tickets/{number}/conversations", ticket_transcript, ALL,
       "The conversations (transcripts) a ticket was opened from", "chat",
       params=(Param("number", {"type": "string", "minLength": 1, "maxLength": 32}, "path"),)),
]
