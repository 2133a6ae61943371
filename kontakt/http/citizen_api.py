"""``POST /api/lookup``: a citizen follows a request without an account.

A web request is found by its number (as in Open311); a ticket opened by
phone (whose number the operator told the caller) also needs the last four
digits of the phone it came from, so a number alone tells a stranger
nothing.  Wrong digits and unknown numbers get the same 404.  Failed
lookups are limited per client address and per ticket number (10 in 10
minutes): four digits cannot be guessed through the page.

The answer is the ticket's public story: received, forwarded to which
service, each status with its date, and the words written *for the
citizen* (internal notes, names and contact data are never in it).
"""

from __future__ import annotations

import hmac
from typing import Any

from infra.logs import get_logger
from kontakt.http import sources
from kontakt.http.errors import ApiError
from kontakt.http.ops import Call, Op
from tickets.domain import Actor

log = get_logger("kontakt.http.lookup")
PUBLIC_CHANNELS = {"web", "open311"}
STEPS = {"opened", "forwarded", "status", "comment"}


def _lookup_actor() -> Actor:
    # Reads one ticket for the public answer below; nothing personal leaves.
    return Actor(user_id="citizen-lookup", role="supervisor", department=None)


def _dep(web: Any, dep_id: str | None) -> dict[str, Any] | None:
    if not dep_id:
        return None
    for d in sources.departments(web):
        if d.id == dep_id:
            return sources.department_json(d)
    return {"id": dep_id, "name": dep_id, "name_latn": dep_id, "name_en": dep_id}


def timeline(web: Any, history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for e in history:
        action, details = e.get("action"), e.get("details") or {}
        if action not in STEPS:
            continue
        if action == "comment" and not details.get("for_citizen"):
            continue  # an internal note
        step: dict[str, Any] = {"at": e.get("at"), "action": action,
                                "status": e.get("new_status")}
        if action == "forwarded":
            step["department"] = _dep(web, details.get("department"))
        if details.get("for_citizen") and e.get("comment"):
            step["message"] = e["comment"]
        if action == "status" and e.get("old_status") == e.get("new_status") \
                and "message" not in step:
            continue
        out.append(step)
    return out


def _not_found(number: str) -> ApiError:
    return ApiError(404, "lookup.not_found", f"no request {number} (check the number and the "
                    "last four digits of the phone)", number=number)


async def lookup(c: Call) -> Any:
    web = c.web
    number = c.body["number"].strip().upper()
    digits = (c.body.get("phone_last4") or "").strip()
    keys = (f"ip:{web.door.client(c.request.scope)}", f"n:{number}")
    wait = web.lookup_limiter.retry_after(*keys)
    if wait is not None:
        raise ApiError(429, "lookup.rate_limited", "too many attempts; try again later",
                       retry_after=int(wait))
    svc = sources.tickets(web)
    try:
        t = sources.ticket_json(await svc.get(_lookup_actor(), number))
    except Exception as e:
        if getattr(e, "code", "") in ("ticket.not_found", "ticket.forbidden"):
            web.lookup_limiter.failed(*keys)
            raise _not_found(number) from None
        raise
    if t.get("channel") not in PUBLIC_CHANNELS:
        phone = str(t.get("phone") or "")
        if len(digits) != 4 or len(phone) < 4 or not hmac.compare_digest(digits, phone[-4:]):
            web.lookup_limiter.failed(*keys)
            log.info("lookup.refused", number=number, digits=bool(digits))
            raise _not_found(number)
    history = [sources.plain(e) for e in await svc.history(_lookup_actor(), number)]
    return {"number": t["number"], "status": t["status"], "kind": t["kind"],
            "channel": t["channel"], "created_at": t["created_at"],
            "updated_at": t["updated_at"], "department": _dep(web, t.get("department")),
            "timeline": timeline(web, history)}


OPS: list[Op] = [
    Op("POST", "/api/lookup", lookup, None, "A citizen looks up a request", "citizen",
       body={"type": "object", "required": ["number"], "additionalProperties": False,
             "properties": {"number": {"type": "string", "minLength": 3, "maxLength": 32},
                            "phone_last4": {"type": "string", "maxLength": 4}}}),
]
