"""Prometheus ``/metrics``: queue, agent and ticket figures, read fresh from
the engine's snapshot and the ticket counts at each scrape."""

from __future__ import annotations

from collections import Counter
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response

from kontakt.http import health, sources

AGENT_STATES = ("available", "ringing", "talking", "wrapup", "paused", "logged_out")


def count_rows(counts: Any) -> list[tuple[str, str, int]]:
    """(status, department, n) from the shapes a count can take: a list of
    rows, {department: {status: n}}, or {status: n}."""
    rows: list[tuple[str, str, int]] = []
    if isinstance(counts, list):
        for r in counts:
            if isinstance(r, dict):
                rows.append((str(r.get("status")), str(r.get("department") or ""),
                             int(r.get("count", r.get("n", 0)))))
    elif isinstance(counts, dict):
        for k, v in counts.items():
            if isinstance(v, dict):
                rows += [(str(s), str(k), int(n)) for s, n in v.items()]
            elif isinstance(v, int):
                rows.append((str(k), "", v))
    return rows


async def render(web: Any) -> bytes:
    reg = CollectorRegistry()
    snap = web.ctx.engine.snapshot() if web.ctx.engine is not None else {}
    st = snap.get("stats", {}) or {}
    waiting = snap.get("waiting", []) or []
    Gauge("kontakt_calls_waiting", "Calls waiting in the queue now", registry=reg).set(
        len(waiting))
    Gauge("kontakt_longest_wait_seconds", "Longest wait of a waiting call now",
          registry=reg).set(max([w.get("wait", 0) for w in waiting] + [0]))
    calls = Gauge("kontakt_calls_today", "Calls today by outcome", ["outcome"], registry=reg)
    for outcome in ("offered", "answered", "abandoned", "rejected", "answered_within_20s"):
        calls.labels(outcome).set(st.get(outcome, 0) or 0)
    Gauge("kontakt_answer_wait_avg_seconds", "Average speed of answer today",
          registry=reg).set(st.get("avg_answer_wait") or 0)
    agents = Gauge("kontakt_agents", "Agents by state", ["state"], registry=reg)
    by_state = Counter(a.get("state") for a in snap.get("agents", []) or [])
    for state in AGENT_STATES:
        agents.labels(state).set(by_state.get(state, 0))
    tickets = Gauge("kontakt_tickets", "Tickets by status and department",
                    ["status", "department"], registry=reg)
    for status, dep, n in count_rows(await sources.ticket_counts(web)):
        tickets.labels(status, dep).set(n)
    Gauge("kontakt_http_sessions", "Open workstation sessions", registry=reg).set(
        len(web.sessions))
    Gauge("kontakt_live_clients", "Browsers on the live feed", registry=reg).set(
        web.hub.clients)
    await health.add_metrics(web.ctx.readiness, reg)
    return generate_latest(reg)


async def metrics_endpoint(request: Request) -> Response:
    web = request.app.state.web
    return Response(await render(web), media_type=CONTENT_TYPE_LATEST)
