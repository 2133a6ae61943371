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
from kontakt.http.feed import run_feed
from kontakt.http.hub import Hub
from kontakt.http.ops import ALL, Op, openapi, route_for
from kontakt.http.sessions import LoginLimiter, SessionStore

log = get_logger("kontakt.http")
HERE = Path(__file__).parent

EVENTS_OP = Op("GET", "/api/events", live.events, ALL, "Live events (server-sent events)",
               "live", stream=True)


class Web:
    """The HTTP service's state: context, sessions, limits, the live hub."""

    def __init__(self, ctx: HttpContext) -> None:
        self.ctx = ctx
        self.sessions = SessionStore(ctx.session_ttl, ctx.session_idle)
        self.limiter = LoginLimiter(ctx.login_attempts, ctx.login_window)
        # One address may carry a whole office behind NAT: a looser limit.
        self.ip_limiter = LoginLimiter(ctx.login_attempts * 6, ctx.login_window)
        self.open311_limiter = LoginLimiter(attempts=30, window=600.0)
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
                    exception_handlers={404: _not_found, 405: _not_allowed})
    app.state.web = web
    return app


# Pages load only their own scripts; inline style attributes are used by the
# wallboard's bar chart, inline scripts nowhere (boot data is JSON, not code).
_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"content-security-policy",
             b"default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")]


class SecurityHeaders:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": "http.not_found", "message": "no such page", "details": {}},
                        status_code=404)


async def _not_allowed(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": "http.method_not_allowed", "message": "method not allowed",
                         "details": {}}, status_code=405)
