"""Open311 GeoReport v2 in both of its formats (``.json`` and ``.xml``): the
city's departments as services, citizens' requests as tickets.  Existing civic
apps and the web channel submit and look up requests here; errors are
GeoReport's ``[{"code", "description"}]`` (``<errors><error>`` in XML).
Services with attributes (``metadata: true``) answer ``services/{code}``
with their ``service_definition``; a request's ``attribute[code]`` answers
are checked against it and kept on the ticket's description.

What a citizen sees of a request is public by design: status, service,
dates, and the description only for requests that came in through this
public channel (a phone ticket's notes stay inside the city).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dialplan.service_attributes import ServiceAttributeError
from infra.logs import get_logger
from kontakt.http import sources
from kontakt.http.bodies import has_surrogate
from kontakt.http.errors import ApiError, is_domain_error
from kontakt.http.georeport_xml import render
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


FORMATS = ("json", "xml")


def _reply(fmt: str, root: str, data: Any, status: int = 200) -> Response:
    """One answer in the asked format; ``root`` names the XML document element."""
    if fmt == "xml":
        return Response(render(root, data), status_code=status,
                        media_type="text/xml; charset=utf-8")
    return JSONResponse(data, status_code=status)


def _err(e: GeoError, fmt: str = "json") -> Response:
    return _reply(fmt, "errors", [{"code": e.status, "description": str(e)}], e.status)


def service_json(d: Any) -> dict[str, Any]:
    return {"service_code": d.id, "service_name": d.name, "description": d.name_en,
            "metadata": bool(d.attributes), "type": "realtime",
            "keywords": ",".join(d.aliases), "group": "јавни сервис"}


def definition_json(d: Any) -> dict[str, Any]:
    return {"service_code": d.id, "attributes": [
        {"variable": a.variable, "code": a.code, "datatype": a.datatype,
         "required": a.required, "datatype_description": a.datatype_description,
         "order": a.order, "description": a.description,
         **({"values": [{"key": v.key, "name": v.name} for v in a.values]}
            if a.values else {})}
        for a in d.attributes]}


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


async def services(request: Request, fmt: str) -> Response:
    web = request.app.state.web
    return _reply(fmt, "services", [service_json(d) for d in sources.departments(web)])


async def service_definition(request: Request, fmt: str) -> Response:
    code = request.path_params["code"]
    dep = next((d for d in sources.departments(request.app.state.web) if d.id == code), None)
    if dep is None:
        return _err(GeoError(404, f"service_code {code[:40]!r} not found"), fmt)
    if not dep.attributes:
        return _err(GeoError(404, f"service {code} has no service definition (metadata false)"),
                    fmt)
    return _reply(fmt, "service_definition", definition_json(dep))


def _answers(dep: Any, form: Any) -> list[str]:
    """``attribute[code]`` (``attribute[code][]`` for lists) checked against the definition:
    the lines kept on the ticket, in the definition's order."""
    known = {a.code for a in dep.attributes}
    for k in form:
        if k.startswith("attribute[") and k[10:].split("]")[0] not in known:
            raise GeoError(400, f"{k[:60]}: {dep.id} has no such attribute")
    lines = []
    for a in dep.attributes:
        given = [v for k in (f"attribute[{a.code}]", f"attribute[{a.code}][]")
                 for v in form.getlist(k) if isinstance(v, str)]
        try:
            value = a.answer(given)
        except ServiceAttributeError as e:
            raise GeoError(400, str(e)) from None
        if value is not None:
            lines.append(f"{a.description} {value}")
    return lines


async def _form(request: Request) -> tuple[dict[str, str], Any]:
    ctype = request.headers.get("content-type", "")
    if "application/x-www-form-urlencoded" not in ctype and "multipart/form-data" not in ctype:
        raise GeoError(400, "send the request as application/x-www-form-urlencoded")
    try:
        form = await request.form(max_files=0, max_fields=40)
    except Exception:  # malformed multipart/urlencoded bodies; the parser's words stay here
        raise GeoError(400, "unreadable form") from None
    out: dict[str, str] = {}
    for k, v in form.multi_items():
        if not isinstance(v, str):
            raise GeoError(400, f"{k[:40]}: files are not accepted")
        if "\x00" in v or has_surrogate(v) or has_surrogate(k):
            raise GeoError(400, f"{k[:40]!a}: must be text without NUL")
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
    return out, form


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


async def post_request(request: Request, fmt: str) -> Response:
    web = request.app.state.web
    client = web.door.client(request.scope)
    try:
        wait = web.open311_limiter.retry_after(f"ip:{client}")
        if wait is not None:
            raise GeoError(429, "too many requests; try again later")
        form, raw = await _form(request)
        code = form.get("service_code", "")
        dep = next((d for d in sources.departments(web) if d.id == code), None)
        if dep is None:
            raise GeoError(404, f"service_code {code!r} not found")
        description = form.get("description", "").strip()
        if not description:
            raise GeoError(400, "description is required")
        answers = _answers(dep, raw)
        lat, lon = _coord(form, "lat", 90), _coord(form, "long", 180)
        address = form.get("address_string") or None
        if lat is None and lon is None and not address and not form.get("address_id"):
            raise GeoError(400, "a location is required: lat and long, or address_string")
        web.open311_limiter.failed(f"ip:{client}")  # counts submissions, not failures
        name = " ".join(x for x in (form.get("first_name"), form.get("last_name")) if x)
        ticket = await sources.tickets(web).open_ticket(
            sources.citizen_actor(), channel="web", kind="request", department=code,
            subject=description.splitlines()[0][:200],
            description="\n".join([description, *answers]),
            phone=form.get("phone") or None, email=form.get("email") or None,
            name=name or None, address=address, lat=lat, lon=lon)
    except GeoError as e:
        return _err(e, fmt)
    except ApiError as e:
        return _err(GeoError(e.status, str(e)), fmt)
    except Exception as e:
        if not is_domain_error(e):
            raise
        log.info("open311.refused", code=getattr(e, "code", ""))
        return _err(GeoError(400, str(e)), fmt)
    t = jsonable(ticket)
    log.info("open311.request_created", number=t.get("number"), service=code, format=fmt)
    return _reply(fmt, "service_requests", [
        {"service_request_id": str(t.get("number")),
         "service_notice": "Захтев је примљен (request received)", "account_id": None}], 201)


async def _lookup(web: Any, number: str) -> dict[str, Any] | None:
    try:
        t = await sources.tickets(web).get(sources.citizen_actor(), number)
    except Exception as e:
        # The public sees web requests only; a phone ticket is "not found" here.
        if getattr(e, "code", "") in ("ticket.not_found", "ticket.forbidden"):
            return None
        raise
    return jsonable(t)


async def get_requests(request: Request, fmt: str) -> Response:
    web = request.app.state.web
    q = request.query_params
    try:
        if "service_request_id" in q:
            ids = [i.strip() for i in q["service_request_id"].split(",") if i.strip()][:50]
            if any(not _ID.match(i) for i in ids):
                raise GeoError(400, "service_request_id: comma-separated request numbers")
            found = [t for t in [await _lookup(web, i) for i in ids] if t]
            return _reply(fmt, "service_requests", [request_json(t, web) for t in found])
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
        return _reply(fmt, "service_requests", out[:200])
    except GeoError as e:
        return _err(e, fmt)
    except ApiError as e:
        return _err(GeoError(e.status, str(e)), fmt)


async def get_request(request: Request, fmt: str) -> Response:
    web = request.app.state.web
    number = request.path_params["number"]
    if not _ID.match(number):
        return _err(GeoError(400, "the request number has letters, digits and '-' only"), fmt)
    try:
        t = await _lookup(web, number)
    except ApiError as e:
        return _err(GeoError(e.status, str(e)), fmt)
    if t is None:
        return _err(GeoError(404, f"request {number} not found"), fmt)
    return _reply(fmt, "service_requests", [request_json(t, web)])


async def not_found(request: Request) -> Response:
    """Any other path under /open311/v2: a GeoReport error, in XML when it asked ``.xml``."""
    fmt = "xml" if request.url.path.endswith(".xml") else "json"
    return _err(GeoError(404, "no such GeoReport v2 endpoint (services, requests; .json or "
                              ".xml)"), fmt)


def _as(fmt: str, handler: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        return await handler(request, fmt)  # type: ignore[no-any-return]
    endpoint.__name__ = f"{handler.__name__}_{fmt}"
    return endpoint


ROUTES = [r for fmt in FORMATS for r in (
    Route(f"/open311/v2/services.{fmt}", _as(fmt, services), methods=["GET"]),
    Route(f"/open311/v2/services/{{code}}.{fmt}", _as(fmt, service_definition),
          methods=["GET"]),
    Route(f"/open311/v2/requests.{fmt}", _as(fmt, get_requests), methods=["GET"]),
    Route(f"/open311/v2/requests.{fmt}", _as(fmt, post_request), methods=["POST"]),
    Route(f"/open311/v2/requests/{{number}}.{fmt}", _as(fmt, get_request), methods=["GET"]),
)] + [Route("/open311/v2/{rest:path}", not_found, methods=["GET", "POST"])]

def _content(fmt: str, schema: dict[str, Any]) -> dict[str, Any]:
    if fmt == "xml":
        return {"text/xml": {"schema": {"type": "string"}}}
    return {"application/json": {"schema": schema}}


_ERR_SCHEMA = {"type": "array", "items": {"type": "object", "properties": {
    "code": {"type": "integer"}, "description": {"type": "string"}}}}
_POST_FORM = {"type": "object", "required": ["service_code", "description"], "properties": {
    k: {"type": "string", "maxLength": n} for k, n in _FIELDS.items()}}


def _paths(fmt: str) -> dict[str, Any]:
    err = {"description": "error", "content": _content(fmt, _ERR_SCHEMA)}
    array = {"content": _content(fmt, {"type": "array"})}
    x = "" if fmt == "json" else "_xml"

    def param(name: str, where: str = "query", n: int = 300) -> dict[str, Any]:
        return {"name": name, "in": where, "required": where == "path",
                "schema": {"type": "string", "maxLength": n}}

    return {
        f"/open311/v2/services.{fmt}": {"get": {
            "operationId": f"open311_services{x}", "tags": ["open311"], "summary": "Services",
            "responses": {"200": {"description": "services", **array}}}},
        f"/open311/v2/services/{{code}}.{fmt}": {"get": {
            "operationId": f"open311_service_definition{x}", "tags": ["open311"],
            "summary": "A service's definition (its attributes)",
            "parameters": [param("code", "path", 64)],
            "responses": {"200": {"description": "service_definition",
                                  "content": _content(fmt, {"type": "object"})},
                          "404": err}}},
        f"/open311/v2/requests.{fmt}": {
            "get": {"operationId": f"open311_requests{x}", "tags": ["open311"],
                    "summary": "Look up requests",
                    "parameters": [param(n) for n in
                                   ("service_request_id", "service_code", "status")],
                    "responses": {"200": {"description": "requests", **array},
                                  "400": err, "404": err}},
            "post": {"operationId": f"open311_submit{x}", "tags": ["open311"],
                     "summary": "Submit a request (attribute[code] answers as well)",
                     "requestBody": {"required": True, "content": {
                         "application/x-www-form-urlencoded": {"schema": _POST_FORM}}},
                     "responses": {"201": {"description": "created", **array},
                                   "400": err, "404": err, "429": err}}},
        f"/open311/v2/requests/{{number}}.{fmt}": {"get": {
            "operationId": f"open311_request{x}", "tags": ["open311"], "summary": "One request",
            "parameters": [param("number", "path", 64)],
            "responses": {"200": {"description": "request", **array},
                          "400": err, "404": err}}},
    }


OPENAPI_PATHS: dict[str, Any] = {k: v for fmt in FORMATS for k, v in _paths(fmt).items()}
