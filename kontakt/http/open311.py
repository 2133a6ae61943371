"""Open311 GeoReport v2 (JSON): the city's departments as services, citizens'
requests as tickets.  Existing civic apps and the web channel submit and look
up requests here; errors are GeoReport's ``[{"code", "description"}]``.

What a citizen sees of a request is public by design: status, service,
dates, and the description only for requests that came in through this
public channel (a phone ticket's notes stay inside the city).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from infra.logs import get_logger
from kontakt.http import sources
from kontakt.http.bodies import has_surrogate
from kontakt.http.errors import ApiError, is_domain_error
from kontakt.http.ops import jsonable

log = get_logger("kontakt.http.open311")
OPEN_STATUSES = {"new", "forwarded", "active"}  # resolved, cancelled, closed: closed
_ID = re.compile(r"^[A-Za-z0-9-]{1,32}$")
_FIELDS = {"service_code": 32, "description": 4000, "address_string": 200, "email": 120,
           "first_name": 60, "last_name": 60, "phone": 32, "device_id": 64, "account_id": 64,
           "api_key": 64, "lat": 32, "long": 32, "address_id": 64, "media_url": 300}
PUBLIC_CHANNELS = {"web", "open311"}


class GeoError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status


def _err(e: GeoError) -> JSONResponse:
    return JSONResponse([{"code": e.status, "description": str(e)}], status_code=e.status)


def service_json(d: Any) -> dict[str, Any]:
    return {"service_code": d.id, "service_name": d.name, "description": d.name_en,
            "metadata": False, "type": "realtime", "keywords": ",".join(d.aliases),
            "group": "јавни сервис"}


def request_json(t: dict[str, Any], web: Any) -> dict[str, Any]:
    status = t.get("status")
    names = {d.id: d.name for d in sources.departments(web)}
    public = t.get("channel") in PUBLIC_CHANNELS
    return {
        "service_request_id": str(t.get("number")),
        "status": "open" if status in OPEN_STATUSES else "closed",
        "status_notes": status,
        "service_code": t.get("department"),
        "service_name": names.get(t.get("department"), t.get("department")),
        "description": t.get("description") if public else None,
        "agency_responsible": names.get(t.get("department")),
        "requested_datetime": t.get("created_at") or t.get("opened_at"),
        "updated_datetime": t.get("updated_at"),
        "address": t.get("address") if public else None,
        "lat": t.get("lat") if public else None,
        "long": t.get("lon") if public else None,
    }


async def services(request: Request) -> JSONResponse:
    web = request.app.state.web
    return JSONResponse([service_json(d) for d in sources.departments(web)])


async def _form(request: Request) -> dict[str, str]:
    ctype = request.headers.get("content-type", "")
    if "application/x-www-form-urlencoded" not in ctype and "multipart/form-data" not in ctype:
        raise GeoError(400, "send the request as application/x-www-form-urlencoded")
    try:
        form = await request.form(max_files=0, max_fields=40)
    except Exception:  # malformed multipart/urlencoded bodies; the parser's words stay here
        raise GeoError(400, "unreadable form") from None
    out: dict[str, str] = {}
    for k, v in form.items():
        if k.startswith("attribute["):
            continue
        if not isinstance(v, str):
            raise GeoError(400, f"{k}: files are not accepted")
        if k in _FIELDS and len(v) > _FIELDS[k]:
            raise GeoError(400, f"{k}: at most {_FIELDS[k]} characters")
        if "\x00" in v or has_surrogate(v) or has_surrogate(k):
            raise GeoError(400, f"{k[:40]!a}: must be text without NUL")
        out[k] = v
    return out


def _coord(form: dict[str, str], key: str, bound: float) -> float | None:
    if not form.get(key):
        return None
    try:
        v = float(form[key])
    except ValueError:
        raise GeoError(400, f"{key}: must be a number") from None
    if not -bound <= v <= bound:
        raise GeoError(400, f"{key}: out of range")
    return v


async def post_request(request: Request) -> JSONResponse:
    web = request.app.state.web
    client = web.door.client(request.scope)
    try:
        wait = web.open311_limiter.retry_after(f"ip:{client}")
        if wait is not None:
            raise GeoError(429, "too many requests; try again later")
        form = await _form(request)
        code = form.get("service_code", "")
        if code not in {d.id for d in sources.departments(web)}:
            raise GeoError(404, f"service_code {code!r} not found")
        description = form.get("description", "").strip()
        if not description:
            raise GeoError(400, "description is required")
        lat, lon = _coord(form, "lat", 90), _coord(form, "long", 180)
        address = form.get("address_string") or None
        if lat is None and lon is None and not address and not form.get("address_id"):
            raise GeoError(400, "a location is required: lat and long, or address_string")
        web.open311_limiter.failed(f"ip:{client}")  # counts submissions, not failures
        name = " ".join(x for x in (form.get("first_name"), form.get("last_name")) if x)
        ticket = await sources.tickets(web).open_ticket(
            sources.citizen_actor(), channel="web", kind="request", department=code,
            subject=description.splitlines()[0][:200], description=description,
            phone=form.get("phone") or None, email=form.get("email") or None,
            name=name or None, address=address, lat=lat, lon=lon)
    except GeoError as e:
        return _err(e)
    except ApiError as e:
        return _err(GeoError(e.status, str(e)))
    except Exception as e:
        if not is_domain_error(e):
            raise
        log.info("open311.refused", code=getattr(e, "code", ""))
        return _err(GeoError(400, str(e)))
    t = jsonable(ticket)
    log.info("open311.request_created", number=t.get("number"), service=code)
    return JSONResponse([{"service_request_id": str(t.get("number")),
                          "service_notice": "Захтев је примљен (request received)",
                          "account_id": None}], status_code=201)


async def _lookup(web: Any, number: str) -> dict[str, Any] | None:
    try:
        t = await sources.tickets(web).get(sources.citizen_actor(), number)
    except Exception as e:
        # The public sees web requests only; a phone ticket is "not found" here.
        if getattr(e, "code", "") in ("ticket.not_found", "ticket.forbidden"):
            return None
        raise
    return jsonable(t)


async def get_requests(request: Request) -> JSONResponse:
    web = request.app.state.web
    q = request.query_params
    try:
        if "service_request_id" in q:
            ids = [i.strip() for i in q["service_request_id"].split(",") if i.strip()][:50]
            if any(not _ID.match(i) for i in ids):
                raise GeoError(400, "service_request_id: comma-separated request numbers")
            found = [t for t in [await _lookup(web, i) for i in ids] if t]
            return JSONResponse([request_json(t, web) for t in found])
        status = q.get("status")
        if status not in (None, "open", "closed"):
            raise GeoError(400, "status: open or closed")
        code = q.get("service_code")
        if code is not None and code not in {d.id for d in sources.departments(web)}:
            raise GeoError(404, f"service_code {code!r} not found")
        found = await sources.tickets(web).search(sources.citizen_actor(), department=code,
                                             channel="web", limit=200)
        out = [request_json(jsonable(t), web) for t in found]
        if status:
            out = [r for r in out if r["status"] == status]
        return JSONResponse(out[:200])
    except GeoError as e:
        return _err(e)
    except ApiError as e:
        return _err(GeoError(e.status, str(e)))


async def get_request(request: Request) -> JSONResponse:
    web = request.app.state.web
    number = request.path_params["number"]
    if not _ID.match(number):
        return _err(GeoError(400, "the request number has letters, digits and '-' only"))
    try:
        t = await _lookup(web, number)
    except ApiError as e:
        return _err(GeoError(e.status, str(e)))
    if t is None:
        return _err(GeoError(404, f"request {number} not found"))
    return JSONResponse([request_json(t, web)])


ROUTES = [
    Route("/open311/v2/services.json", services, methods=["GET"]),
    Route("/open311/v2/requests.json", get_requests, methods=["GET"]),
    Route("/open311/v2/requests.json", post_request, methods=["POST"]),
    Route("/open311/v2/requests/{number}.json", get_request, methods=["GET"]),
]

_GEO_ERR = {"description": "error", "content": {"application/json": {"schema": {
    "type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "integer"}, "description": {"type": "string"}}}}}}}
_ARRAY = {"content": {"application/json": {"schema": {"type": "array"}}}}
_POST_FORM = {"type": "object", "required": ["service_code", "description"], "properties": {
    k: {"type": "string", "maxLength": n} for k, n in _FIELDS.items()}}

OPENAPI_PATHS: dict[str, Any] = {
    "/open311/v2/services.json": {"get": {
        "operationId": "open311_services", "tags": ["open311"], "summary": "Services",
        "responses": {"200": {"description": "services", **_ARRAY}}}},
    "/open311/v2/requests.json": {
        "get": {"operationId": "open311_requests", "tags": ["open311"],
                "summary": "Look up requests",
                "parameters": [{"name": n, "in": "query", "required": False,
                                "schema": {"type": "string", "maxLength": 300}}
                               for n in ("service_request_id", "service_code", "status")],
                "responses": {"200": {"description": "requests", **_ARRAY},
                              "400": _GEO_ERR, "404": _GEO_ERR}},
        "post": {"operationId": "open311_submit", "tags": ["open311"],
                 "summary": "Submit a request",
                 "requestBody": {"required": True, "content": {
                     "application/x-www-form-urlencoded": {"schema": _POST_FORM}}},
                 "responses": {"201": {"description": "created", **_ARRAY},
                               "400": _GEO_ERR, "404": _GEO_ERR, "429": _GEO_ERR}}},
    "/open311/v2/requests/{number}.json": {"get": {
        "operationId": "open311_request", "tags": ["open311"], "summary": "One request",
        "parameters": [{"name": "number", "in": "path", "required": True,
                        "schema": {"type": "string", "maxLength": 64}}],
        "responses": {"200": {"description": "request", **_ARRAY},
                      "400": _GEO_ERR, "404": _GEO_ERR}}},
}
