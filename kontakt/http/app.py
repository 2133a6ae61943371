"""``create_app(ctx)``: the one HTTP service of kontakt (see the package doc)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from infra.logs import get_logger
from kontakt.http import api, health, live, metrics, open311, pages
from kontakt.http.context import HttpContext
from kontakt.http.door import Door
from kontakt.http.feed import run_feed
from kontakt.http.hub import Hub
from kontakt.http.ops import ALL, Op, openapi, route_for
from kontakt.http.sessions import LoginLimiter, SessionStore
from kontakt.http.throttle import Devices, Throttle
from kontakt.privacy.audit import AuditLog

log = get_logger("kontakt.http")
HERE = Path(__file__).parent

EVENTS_OP = Op("GET", "/api/events", live.events, ALL, "Live events (server-sent events)",
               "live", stream=True)


class Web:
    """The HTTP service's state: context, sessions, limits, the live hub."""

    def __init__(self, ctx: HttpContext) -> None:
        self.ctx = ctx
        settings = ctx.settings
        self.door = Door.from_settings(settings)
        self.sessions = SessionStore(ctx.session_ttl, ctx.session_idle)
        self.throttle = Throttle(settings.login_free_failures, settings.login_max_delay,
                                 settings.login_window)
        self.devices = Devices()
        self.audit = AuditLog(ctx.sessionmaker)
        self.open311_limiter = LoginLimiter(attempts=30, window=600.0)
        self.lookup_limiter = LoginLimiter(attempts=10, window=600.0)  # failed lookups
        self.chat_flood = Throttle(settings.chat_flood_messages, 60.0, settings.chat_flood_window)
        self.chat_secrets: dict[int, str] = {}  # web chat id -> hash of its browser's secret
        self.hub = Hub()
        self.feed_ready = asyncio.Event()
        self.ops: list[Op] = [*api.OPS, EVENTS_OP]

    def openapi(self) -> dict[str, Any]:
        doc = openapi(self.ops)
        doc["paths"].update(open311.OPENAPI_PATHS)
        doc["paths"]["/metrics"] = {"get": {
            "operationId": "metrics", "tags": ["metrics"], "summary": "Prometheus metrics",
            "responses": {"200": {"description": "text exposition format",
                                  "content": {"text/plain": {"schema": {"type": "string"}}}}}}}
        return doc

    async def on_event(self, topic: str, event: dict[str, Any]) -> None:
        """Nothing to store: the engine's event log keeps the call history."""


def create_app(ctx: HttpContext) -> Starlette:
    web = Web(ctx)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = None
        if ctx.mqtt_host:
            task = asyncio.create_task(run_feed(web.hub, ctx.mqtt_host, ctx.mqtt_port,
                                                ctx.mqtt_prefix, web.feed_ready, web.on_event))
        log.info("http.started", mqtt=bool(ctx.mqtt_host))
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def openapi_json(request: Request) -> JSONResponse:
        return JSONResponse(web.openapi())

    routes: list[Any] = [route_for(op, web) for op in web.ops]
    routes += [Route("/openapi.json", openapi_json, methods=["GET"]),
               Route("/metrics", metrics.metrics_endpoint, methods=["GET"]),
               *health.ROUTES, *open311.ROUTES, *pages.ROUTES,
               Mount("/static", StaticFiles(directory=HERE / "static"), name="static")]
    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(SecurityHeaders)],
                    exception_handlers={404: _not_found, 405: _not_allowed,
                                        500: _server_error})
    app.state.web = web
    return app


# Pages load only their own scripts; inline style attributes are used by the
# wallboard's bar chart, inline scripts nowhere (boot data is JSON, not code).
# No <base> may re-point relative URLs; forms submit to this site only.
_CSP = (b"default-src 'self'; style-src 'self' 'unsafe-inline'; object-src 'none'; "
        b"base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"), (b"content-security-policy", _CSP)]
# Every response but the static files may carry personal data or a session's
# view: no browser or proxy cache keeps it.
_NO_STORE = [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
_HSTS = [(b"strict-transport-security", b"max-age=31536000; includeSubDomains")]


class SecurityHeaders:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(_HEADERS)
        if not scope.get("path", "").startswith("/static/"):
            extra += _NO_STORE
        web = getattr(getattr(scope.get("app"), "state", None), "web", None)
        if web is not None and web.door.is_https(scope):
            extra += _HSTS

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in extra}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = [*kept, *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": "http.not_found", "message": "no such page", "details": {}},
                        status_code=404)


async def _not_allowed(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": "http.method_not_allowed", "message": "method not allowed",
                         "details": {}}, status_code=405)


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    # Outside the API table (pages, static files): the same plain answer, no
    # library message; the log has the traceback.
    log.error("http.server_error", path=request.url.path, error=type(exc).__name__)
    return JSONResponse({"error": "server.error", "message": "internal error", "details": {}},
                        status_code=500)
