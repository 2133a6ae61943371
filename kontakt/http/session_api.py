"""Logging in and out, and the login throttles the administrator sees.

``/api/login`` is the browsers' way in: the session token goes into the
HttpOnly cookie only, never into the body (a script that can read the page
cannot read the token).  ``/api/token`` is for API clients: the token comes
in the body and no cookie is set; such a client sends ``Authorization:
Bearer``.  Both share the throttles of ``kontakt.http.throttle``.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from infra.logs import get_logger
from kontakt.http.errors import ApiError
from kontakt.http.ops import ALL, COOKIE, Call, Op, session_of, token_of
from kontakt.http.users import LANGS, authenticate

log = get_logger("kontakt.http")
DEVICE_COOKIE = "kontakt_device"
DEVICE_DAYS = 180
# One address may carry a whole office behind NAT: ten times the free tries.
ADDRESS_FACTOR = 10
ADMIN = frozenset({"admin"})

_s = {"type": "string", "minLength": 1, "maxLength": 64}
_credentials = {"type": "object", "required": ["username", "password"],
                "additionalProperties": False,
                "properties": {"username": _s, "password": {"type": "string", "minLength": 1,
                                                            "maxLength": 256}}}


def _free_of(web: Any, key: str) -> int | None:
    return web.throttle.free * ADDRESS_FACTOR if key.startswith("address:") else None


async def _check_password(c: Call) -> tuple[Any, str | None]:
    """The user, after the throttles; and the device id when the browser's
    device cookie is known for this user."""
    web, name = c.web, c.body["username"].lower()
    client = web.door.client(c.request.scope)
    device = c.request.cookies.get(DEVICE_COOKIE)
    known = web.devices.knows(device, name)
    pair = f"pair:{name}@{client}"
    keys = [pair, f"device:{device}"] if known else [pair, f"account:{name}", f"address:{client}"]
    wait = max(web.throttle.wait(k, _free_of(web, k)) for k in keys)
    if wait > 0:
        log.warning("auth.login_throttled", username=name, client=client, wait=round(wait, 1))
        raise ApiError(429, "auth.rate_limited", "too many failed logins; wait and retry",
                       retry_after=round(wait, 1))
    user = await authenticate(web.ctx.sessionmaker, c.body["username"], c.body["password"])
    if user is None:
        failed = {pair, f"account:{name}", f"address:{client}"}
        if known:
            failed.add(f"device:{device}")
        web.throttle.failed(*sorted(failed))
        log.info("auth.login_failed", username=name, client=client)
        raise ApiError(401, "auth.bad_credentials", "wrong username or password")
    web.throttle.clear(pair)
    if known:
        web.throttle.clear(f"device:{device}")
    return user, device


async def login(c: Call) -> Any:
    user, device = await _check_password(c)
    web = c.web
    s = web.sessions.create(user)
    log.info("auth.login", username=user.username, role=user.role)
    secure = web.door.is_https(c.request.scope)
    resp = JSONResponse({"expires_in": int(web.sessions.expires_in(s)), "user": user.public()})
    resp.set_cookie(COOKIE, s.token, max_age=int(web.ctx.session_ttl), httponly=True,
                    samesite="strict", path="/", secure=secure)
    resp.set_cookie(DEVICE_COOKIE, web.devices.remember(device, user.username),
                    max_age=DEVICE_DAYS * 86400, httponly=True, samesite="strict",
                    path="/api/", secure=secure)
    return resp


async def token(c: Call) -> Any:
    user, _ = await _check_password(c)
    s = c.web.sessions.create(user, via="bearer")
    log.info("auth.token", username=user.username, role=user.role)
    return {"token": s.token, "token_type": "Bearer",
            "expires_in": int(c.web.sessions.expires_in(s)), "user": user.public()}


async def logout(c: Call) -> Any:
    t = token_of(c.request)
    if t:
        c.web.sessions.drop(t)
    resp = JSONResponse({"ok": True})
    resp.delete_cookie(COOKIE, path="/", secure=c.web.door.is_https(c.request.scope),
                       httponly=True, samesite="strict")
    return resp


async def me(c: Call) -> Any:
    s = session_of(c.request, c.web)
    return {**c.user.public(), "lang": s.lang if s else c.user.lang}


async def set_lang(c: Call) -> Any:
    s = session_of(c.request, c.web)
    s.lang = c.body["lang"]
    return {"lang": s.lang}


async def throttles(c: Call) -> Any:
    entries = c.web.throttle.entries(lambda k: _free_of(c.web, k))
    return {"throttles": [{"key": e.key, "kind": e.key.split(":", 1)[0],
                           "failures": e.failures, "wait": e.wait} for e in entries]}


async def throttle_clear(c: Call) -> Any:
    key = c.body.get("key")
    n = c.web.throttle.clear_all() if key is None else int(c.web.throttle.clear(key))
    log.info("auth.throttle_cleared", key=key or "*", cleared=n, by=c.user.username)
    return {"cleared": n}


OPS: list[Op] = [
    Op("POST", "/api/login", login, None, "Log in (session cookie)", "session",
       body=_credentials),
    Op("POST", "/api/token", token, None, "A bearer token for API clients (no cookie)",
       "session", body=_credentials, cookieless=True),
    Op("POST", "/api/logout", logout, ALL, "Log out", "session"),
    Op("GET", "/api/me", me, ALL, "Who am I", "session"),
    Op("POST", "/api/me/lang", set_lang, ALL, "Choose the language", "session",
       body={"type": "object", "required": ["lang"], "additionalProperties": False,
             "properties": {"lang": {"type": "string", "enum": list(LANGS)}}}),
    Op("GET", "/api/throttles", throttles, ADMIN, "Login throttles now in force", "session"),
    Op("POST", "/api/throttles/clear", throttle_clear, ADMIN,
       "Clear one login throttle (key) or all", "session",
       body={"type": "object", "additionalProperties": False,
             "properties": {"key": {"type": "string", "minLength": 1, "maxLength": 200}}}),
]
