"""``GET /healthz`` (liveness: the process answers) and ``GET /readyz``
(readiness: ``kontakt.health.Readiness``; HTTP 503 naming what is not
ready), open like /metrics so a monitoring system needs no login; and the
readiness figures as Prometheus gauges for /metrics."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Gauge
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kontakt.health import Check, Report

NOT_CONFIGURED = Report((Check("readiness", False, "no readiness probes configured"),))


async def report_of(readiness: Any) -> Report:
    return NOT_CONFIGURED if readiness is None else await readiness.check()


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "alive"}, headers={"cache-control": "no-store"})


async def readyz(request: Request) -> JSONResponse:
    report = await report_of(request.app.state.web.ctx.readiness)
    body = report.as_dict()
    if not report.ready:
        body["error"] = "health.not_ready"
        body["message"] = "not ready: " + ", ".join(report.not_ready)
    return JSONResponse(body, status_code=200 if report.ready else 503,
                        headers={"cache-control": "no-store"})


async def add_metrics(readiness: Any, reg: CollectorRegistry) -> None:
    report = await report_of(readiness)
    Gauge("kontakt_ready", "1 when every readiness check passes", registry=reg).set(
        float(report.ready))
    checks = Gauge("kontakt_ready_check", "Readiness by check (1 ok, 0 not)", ["check"],
                   registry=reg)
    for c in report.checks:
        checks.labels(c.name).set(float(c.ok))
        for metric, value in c.figures.items():
            Gauge(metric, f"Readiness figure of check {c.name}", registry=reg).set(value)


ROUTES = [Route("/healthz", healthz, methods=["GET"]),
          Route("/readyz", readyz, methods=["GET"])]
