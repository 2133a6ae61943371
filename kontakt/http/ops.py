"""One table of API operations: method, path, the roles allowed, the request
schema and the handler.  The routes, the role checks, the request checks and
``/openapi.json`` are all made from it, and the role matrix test reads it.

``roles=None`` marks a public operation; otherwise the caller must hold a
session and one of the roles.  Department staff are further limited to their
own department by the handlers (and by the ticket service, which gets the
actor).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from infra.logs import get_logger
from kontakt.http.bodies import MAX_BODY, parse_json
from kontakt.http.door import UNSAFE
from kontakt.http.errors import ApiError, from_domain, is_domain_error
from kontakt.http.validate import check, query_value

log = get_logger("kontakt.http")
ALL = frozenset({"agent", "department", "supervisor", "admin"})
COOKIE = "kontakt_session"


@dataclass
class Call:
    request: Request
    web: Any  # kontakt.http.app.Web
    user: Any  # kontakt.http.users.User | None
    path: dict[str, Any]
    query: dict[str, Any]
    body: Any

    @property
    def token(self) -> str | None:
        return token_of(self.request)


Handler = Callable[[Call], Awaitable[Any]]


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict[str, Any]
    where: str = "query"  # or "path"
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Op:
    method: str
    path: str
    handler: Handler
    roles: frozenset[str] | None
    summary: str
    tag: str = "workstation"
    body: dict[str, Any] | None = None
    params: tuple[Param, ...] = ()
    status: int = 200
    response: dict[str, Any] = field(default_factory=lambda: {"type": "object"})
    stream: bool = False  # text/event-stream; not JSON
    cookieless: bool = False  # neither reads nor sets the session cookie (/api/token)

    @property
    def op_id(self) -> str:
        return self.handler.__name__


def jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple | set | frozenset):
        return [jsonable(x) for x in v]
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, Enum):
        return v.value
    if hasattr(v, "to_dict"):
        return jsonable(v.to_dict())
    if hasattr(v, "__dataclass_fields__"):
        return {k: jsonable(getattr(v, k)) for k in v.__dataclass_fields__}
    return v


def token_of(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.cookies.get(COOKIE)


def session_of(request: Request, web: Any) -> Any:
    """The request's live session, if its token came the way it was issued:
    a browser's in the cookie, an API client's (``/api/token``) as Bearer."""
    via = "bearer" if request.headers.get("authorization", "").lower().startswith("bearer ") \
        else "cookie"
    s = web.sessions.get(token_of(request))
    return s if s is not None and s.via == via else None


def current_user(request: Request, web: Any) -> Any:
    s = session_of(request, web)
    return s.user if s else None


# asyncpg's errors while PostgreSQL shuts down, starts or drops us; SQLAlchemy
# wraps them as a plain DBAPIError, so they are told apart by their cause.
_PG_AWAY = frozenset({"CannotConnectNowError", "ConnectionDoesNotExistError",
                      "ConnectionFailureError", "AdminShutdownError", "CrashShutdownError",
                      "TooManyConnectionsError", "InterfaceError"})


def _database_away(e: BaseException) -> bool:
    """The database restarting, a connection lost, SQLite busy past its
    timeout: nothing was written, the client may try again (503, not 500).
    A connection refused while PostgreSQL restarts comes unwrapped."""
    if isinstance(e, ConnectionError):
        return True
    if isinstance(e, DBAPIError) and (e.connection_invalidated
                                      or isinstance(e, OperationalError | InterfaceError)):
        return True
    cause: BaseException | None = getattr(e, "orig", None) or e.__cause__
    for _ in range(3):  # DBAPIError -> the adapter's error -> asyncpg's
        if cause is None:
            return False
        if isinstance(cause, ConnectionError) or type(cause).__name__ in _PG_AWAY:
            return True
        cause = cause.__cause__
    return False


def route_for(op: Op, web: Any) -> Route:
    async def endpoint(request: Request) -> Response:
        try:
            result = await _run(op, web, request)
        except ApiError as e:
            return _error(e)
        except (DBAPIError, ConnectionError) as e:
            if not _database_away(e):
                log.exception("http.server_error", op=op.op_id)
                return JSONResponse({"error": "server.error", "message": "internal error",
                                     "details": {}}, status_code=500)
            log.warning("http.database_unavailable", op=op.op_id,
                        error=str(e).splitlines()[0][:200])
            return _error(ApiError(503, "database.unavailable",
                                   "the database is not reachable just now: try again"))
        except Exception as e:
            if is_domain_error(e):
                return _error(from_domain(e))
            log.exception("http.server_error", op=op.op_id)
            return JSONResponse({"error": "server.error", "message": "internal error",
                                 "details": {}}, status_code=500)
        if isinstance(result, Response):
            return result
        return JSONResponse(jsonable(result), status_code=op.status)

    endpoint.__name__ = op.op_id
    return Route(op.path, endpoint, methods=[op.method])


def _error(e: ApiError) -> JSONResponse:
    headers = {}
    if e.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="kontakt"'
    if e.status == 429 and "retry_after" in e.details:
        headers["Retry-After"] = str(int(e.details["retry_after"]) + 1)
    return JSONResponse(e.body(), status_code=e.status, headers=headers)


async def _run(op: Op, web: Any, request: Request) -> Any:
    if op.method in UNSAFE:  # cross-site forgery: before anything else
        web.door.check_state_change(request.scope, sets_cookie_free=op.cookieless)
    user = None
    if op.roles is not None:
        user = current_user(request, web)
        if user is None:
            raise ApiError(401, "auth.required", "log in first")
        if user.role not in op.roles:
            raise ApiError(403, "auth.forbidden", f"role {user.role} may not {op.summary.lower()}",
                           role=user.role)
    path, query = {}, {}
    for p in op.params:
        if p.where == "path":
            path[p.name] = query_value(p.schema, request.path_params[p.name], p.name)
        elif p.name in request.query_params:
            query[p.name] = query_value(p.schema, request.query_params[p.name], p.name)
        elif p.required:
            raise ApiError(422, "request.invalid", f"{p.name}: required", field=p.name,
                           reason="required")
    body = None
    if op.body is not None:
        body = check(op.body, await _json_body(request))
    return await op.handler(Call(request, web, user, path, query, body))


async def _json_body(request: Request) -> Any:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise ApiError(413, "request.too_large", f"body over {MAX_BODY} bytes", limit=MAX_BODY)
    raw = bytearray()
    async for chunk in request.stream():  # stop reading at the limit, not after it
        raw += chunk
        if len(raw) > MAX_BODY:
            break
    if not raw:
        raise ApiError(422, "request.invalid", "body: a JSON object is required", field="body",
                       reason="required")
    return parse_json(bytes(raw))


# -- OpenAPI --------------------------------------------------------------

_ERROR = {"type": "object", "required": ["error"], "properties": {
    "error": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"}}}


def openapi(ops: list[Op], title: str = "kontakt", version: str = "0.1.0") -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for op in ops:
        item: dict[str, Any] = {"operationId": op.op_id, "summary": op.summary, "tags": [op.tag]}
        if op.params:
            item["parameters"] = [
                {"name": p.name, "in": p.where, "required": p.required or p.where == "path",
                 "schema": p.schema, **({"description": p.description} if p.description else {})}
                for p in op.params]
        if op.body is not None:
            item["requestBody"] = {"required": True,
                                   "content": {"application/json": {"schema": op.body}}}
        elif op.method in UNSAFE:  # nothing to send, but still as JSON (see door.py)
            item["requestBody"] = {"required": False, "content": {"application/json": {
                "schema": {"type": "object", "maxProperties": 0}}}}
        ok_content = ({"text/event-stream": {"schema": {"type": "string"}}} if op.stream
                      else {"application/json": {"schema": op.response}})
        responses: dict[str, Any] = {str(op.status): {"description": "OK", "content": ok_content}}
        err = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        codes = ["400", "422"] if (op.body or op.params) else []
        if op.method in UNSAFE:
            codes += ["403", "413", "415"]
        if op.roles is not None:
            codes += ["401"] + ([] if "403" in codes else ["403"])
            item["security"] = [{"cookie": []}, {"bearer": []}]
        codes += ["404", "409", "429", "503"]
        for c in codes:
            responses[c] = {"description": "error", **err}
        item["responses"] = responses
        paths.setdefault(op.path, {})[op.method.lower()] = item
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": version,
                 "description": "Контакт центар Нови Сад: workstation API, Open311 GeoReport v2"},
        "paths": paths,
        "components": {
            "schemas": {"Error": _ERROR},
            "securitySchemes": {
                "cookie": {"type": "apiKey", "in": "cookie", "name": COOKIE},
                "bearer": {"type": "http", "scheme": "bearer"}}},
    }
