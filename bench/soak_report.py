"""The soak's accounting (calls from AMI, tickets from the database, events
from the broker against the outbox) and its printed table."""

from __future__ import annotations

import math
import re
import statistics
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.soak_events import committed_events
from bench.soak_faults import Cost, charge, segments

UID = re.compile(r"soak call ([0-9]+\.[0-9]+)")
DAY_START = datetime(2027, 3, 2, 7, 30)
EVENT_GRACE_S = 2.0  # a working Tuesday; only the hour is shown


async def _tickets(url: str) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str]]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            tickets = [tuple(map(str, r)) for r in (await conn.execute(text(
                "SELECT number, description, kind, status FROM tickets"))).all()]
            links = [tuple(map(str, r)) for r in (await conn.execute(text(
                "SELECT tc.uniqueid, t.kind FROM ticket_calls tc "
                "JOIN tickets t ON t.id = tc.ticket_id"))).all()]
    finally:
        await engine.dispose()
    return tickets, links  # type: ignore[return-value]


def erlang_c(calls_per_hour: float, handle_s: float, agents: int, target_s: float = 20.0
             ) -> tuple[float, float] | None:
    """(service level, ASA in seconds) that Erlang C expects, or None when
    the load is at or above the agents (the queue only grows)."""
    a = calls_per_hour * handle_s / 3600
    if a >= agents or handle_s <= 0:
        return None
    term, total = 1.0, 1.0
    for k in range(1, agents):
        term *= a / k
        total += term
    top = term * a / agents * agents / (agents - a)
    p_wait = top / (total + top)
    sl = 1 - p_wait * math.exp(-(agents - a) * target_s / handle_s)
    return sl, p_wait * handle_s / (agents - a)


def _calls(s: Any) -> dict[str, Any]:
    f, recs = s.plan.factor, list(s.watch.calls.values())
    answered = [r for r in recs if r.outcome == "answered"]
    waits = [r.wait for r in answered if r.wait is not None]
    queued = [r for r in recs if r.queued is not None
              and r.outcome in ("answered", "abandoned", "callbacks")]
    within = sum(1 for w in waits if w <= 20.0 / f)
    out: dict[str, Any] = dict(s.watch.summary())
    # Lost, honestly: a call Asterisk ended with no outcome (not answered, not
    # hung up by the citizen, not refused, not a callback request), a call
    # still up when the soak stopped waiting, and a planned call that never
    # reached the dialplan at all.
    unended = [r for r in recs if r.ended is None]
    planned = s.notes.get("planned_calls") or 0
    out["lost_dropped"] = out["lost"]
    out["lost_unended"] = len(unended)
    out["lost_unreached"] = max(0, planned - out["offered"])
    out["lost"] = out["lost_dropped"] + out["lost_unended"] + out["lost_unreached"]
    out.update({
        "planned": s.notes.get("planned_calls"),
        "service_level": round(within / len(queued), 3) if queued else None,
        "asa_s": round(statistics.fmean(waits) * f, 1) if waits else None,
        "wait_p95_s": round(sorted(waits)[int(0.95 * (len(waits) - 1))] * f, 1) if waits else None,
        "abandoned_in_queue": sum(1 for r in recs if r.outcome == "abandoned" and r.queued),
        "lost_examples": [_call(s, r) for r in recs if r.outcome == "lost"][:8]
        + [_call(s, r) for r in unended][:8],
        "handle_s": round(statistics.fmean(s.watch.handle) * f, 1) if s.watch.handle else None,
        "callback_legs": s.watch.callback_legs,
    })
    wrong = {ch for *_, ch in s.desk.stats.wrong_call}
    lost = [r for r in recs if r.outcome == "lost"]
    out["lost_wrong_transfer"] = sum(1 for r in lost if r.channel in wrong)
    out["occupancy"] = round(sum(s.watch.handle) / (s.plan.agents * s.plan.day_s), 3)
    by_lang: dict[str, list[float]] = {}
    for r in answered:
        if r.wait is not None:
            by_lang.setdefault(s.languages.get(r.caller, "?"), []).append(r.wait)
    out["by_language"] = {lang: {"answered": len(w), "asa_s": round(statistics.fmean(w) * f, 1),
                                 "service_level": round(sum(x <= 20.0 / f for x in w) / len(w), 3)}
                          for lang, w in sorted(by_lang.items())}
    offered_h = len(queued) / (s.plan.day_s * f / 3600)
    ref = erlang_c(offered_h, out["handle_s"] or 0, s.plan.agents)
    out["erlang_c"] = None if ref is None else {
        "calls_per_hour": round(offered_h), "service_level": round(ref[0], 3),
        "asa_s": round(ref[1], 1)}
    return out


async def _ticket_costs(s: Any) -> tuple[dict[str, Any], list[float]]:
    tickets, links = await _tickets(s.db_url)
    numbers = {t[0] for t in tickets}
    by_uid: dict[str, int] = {}
    for _, desc, _, _ in tickets:
        m = UID.search(desc)
        if m:
            by_uid[m.group(1)] = by_uid.get(m.group(1), 0) + 1
    callback_uids = {u for u, kind in links if kind == "callback"}
    desk = s.desk.stats
    calls = s.watch.calls
    lost_at: list[float] = []
    missing = [n for n in desk.tickets if n not in numbers]
    lost_at += [calls[desk.tickets[n]].answered or 0 for n in missing if desk.tickets[n] in calls]
    no_ticket = [r for r in calls.values() if r.outcome == "answered" and r.uid not in by_uid]
    lost_at += [r.answered or 0 for r in no_ticket]
    no_cb = [r for r in calls.values() if r.outcome == "callbacks" and r.uid not in callback_uids]
    lost_at += [r.ended or 0 for r in no_cb]
    status: dict[str, int] = {}
    for t in tickets:
        status[t[3]] = status.get(t[3], 0) + 1
    lat = sorted(x for _, x in desk.latencies)
    refused: dict[str, int] = {}
    for _, uid, _, code in desk.refusals:
        rec = calls.get(uid)
        why = f"{code}, fallback call" if rec is not None and rec.fallback else code
        refused[why] = refused.get(why, 0) + 1
    return {
        "opened_by_desk": desk.opened, "in_db": len(tickets), "by_status": status,
        "transferred": desk.transferred, "transfer_refused": desk.transfer_refused,
        "transfer_skipped": desk.transfer_skipped, "transfer_refusals": refused,
        "transferred_wrong_call": len(desk.wrong_call),
        "resolved_by_staff": desk.resolved, "cancelled_by_staff": desk.cancelled,
        "callback_tickets": sum(1 for t in tickets if t[2] == "callback"),
        "committed_missing": len(missing), "answered_without_ticket": len(no_ticket),
        "callbacks_without_ticket": len(no_cb),
        "duplicates": sum(n - 1 for n in by_uid.values() if n > 1),
        "no_answer_pauses": desk.no_answer_pauses, "desk_retries": desk.retries,
        "desk_gave_up": desk.gave_up, "desk_errors": desk.errors,
        "http_post_p50_ms": round(lat[len(lat) // 2] * 1000, 1) if lat else None,
        "http_post_p95_ms": round(lat[int(0.95 * (len(lat) - 1))] * 1000, 1) if lat else None,
        "lost": len(lost_at), "operators_unfinished": s.desk.unfinished,
        "examples": {"missing": missing[:5],
                     "wrong_call": [{"at": _clock(s, t, seconds=True), "operator_call": u,
                                     "agent": a, "transferred_channel": ch}
                                    for t, u, a, ch in desk.wrong_call[:5]],
                     "transfer_refused": [{"uid": u, "agent": a, "code": c,
                                           "at": _clock(s, t, seconds=True),
                                           "call": _call(s, calls[u]) if u in calls else None}
                                          for t, u, a, c in desk.refusals[:6]],
                     "without_ticket": [_call(s, r) for r in no_ticket[:8]],
                     "callback_without_ticket": [_call(s, r) for r in no_cb[:5]]},
    }, lost_at


def _call(s: Any, r: Any) -> dict[str, Any]:
    """One call as evidence: its uniqueid, caller and when things happened."""
    def rel(t: float | None) -> str | None:
        return None if t is None else _clock(s, t, seconds=True)
    return {"uid": r.uid, "caller": r.caller, "started": rel(r.started), "queued": rel(r.queued),
            "answered": rel(r.answered), "agent": r.agent, "ended": rel(r.ended),
            "fallback": r.fallback, "outcome": r.outcome}


def _recovery(s: Any, f: Any) -> tuple[float | None, float | None]:
    at, back = f.at, f.back or f.at
    if f.name.startswith("engine"):
        call = s.watch.answers_after(at + 1.0, engine_only=True)
        event = s.tap.first_after(at)
    elif f.name.startswith("AMI"):
        call = s.watch.answers_after(at, engine_only=True)
        event = s.tap.first_after(at, "call.connected")
    else:
        call = s.watch.answers_after(at)
        event = s.tap.first_after(back)
    return (round(call - at, 2) if call else None, round(event - at, 2) if event else None)


def _status_after(s: Any, a: float, b: float) -> dict[str, Any]:
    """The engine's own picture between two moments (seconds into the day)."""
    rows = [r for r in s.monitor.status if a <= r["t"] < b]
    return {
        "samples": len(rows),
        "max_ringing": max((r.get("ringing", 0) for r in rows), default=0),
        "min_logged_in": min((s.plan.agents - r.get("logged_out", 0) for r in rows), default=None),
        "idle_while_waiting": sum(1 for r in rows if r.get("available", 0) and r.get("waiting", 0)),
    }


def dump(s: Any) -> None:
    """The raw material behind the table, in the run's folder (``--keep``)."""
    import json

    s.tap.dump(s.base / "tap-arrivals.txt")
    calls = [vars(r) for r in s.watch.calls.values()]
    (s.base / "soak-debug.json").write_text(json.dumps(
        {"t0": s.t0, "status": s.monitor.status, "calls": calls,
         "faults": [{"name": f.name, "at": f.at, "back": f.back, **f.details}
                    for f in s.faults]}, default=str), "utf-8")


async def account(s: Any) -> dict[str, Any]:
    dump(s)
    calls = _calls(s)
    tickets, ticket_lost = await _ticket_costs(s)
    committed = await committed_events(s.db_url)
    prefix = s.tap.prefix
    lost_events = [c for c in committed
                   if (c.event_id, c.topic if c.topic.startswith(prefix + "/")
                       else f"{prefix}/{c.topic}") not in s.tap.topics]
    t_end = s.t0 + s.plan.day_s + 3600
    segs = segments(s.faults, s.t0 - 3600, t_end)
    call_lost = charge([r.ended or t_end for r in s.watch.calls.values()
                        if r.outcome == "lost" or r.ended is None], segs)
    tix = charge(ticket_lost, segs)
    # An event is delivered within moments of its commit: one committed just
    # before a fault and never delivered is that fault's.
    ev = charge([c.created + EVENT_GRACE_S for c in lost_events], segs)
    costs = []
    for name, a, b, fault in segs:
        c = Cost(name, fault.at if fault else None, call_lost[name], tix[name], ev[name])
        if fault is not None:
            c.recover_call_s, c.recover_event_s = _recovery(s, fault)
            c.details = {**fault.details, **_status_after(s, a - s.t0, b - s.t0)}
        costs.append(c)
    engine = {label: vars(u) for label, u in s.monitor.samples if label != "curve"}
    return {
        "load": s.plan.load, "minutes": s.plan.minutes, "factor": round(s.plan.factor, 2),
        "db": s.plan.db, "agents": s.plan.agents, "calls": calls, "tickets": tickets,
        "events": {"committed": len(committed), "received": len(s.tap.received),
                   "lost": len(lost_events), "unpublished": sum(not c.published for c in committed),
                   "duplicates": s.tap.duplicates, "by_type": s.tap.types,
                   "tap_disconnects": s.tap.disconnects, "tap_bad": s.tap.bad,
                   "lost_by_topic": _by_topic(lost_events)},
        "engine": engine,
        "rss_curve": [[round(u.at, 1), u.pid, round(u.rss_mb, 1), u.fds, round(u.cpu_s, 1)]
                      for label, u in s.monitor.samples if label == "curve"],
        "faults": [{"name": c.name, "clock": _clock(s, c.at), "calls_lost": c.calls_lost,
                    "tickets_lost": c.tickets_lost, "events_lost": c.events_lost,
                    "recover_call_s": c.recover_call_s, "recover_event_s": c.recover_event_s,
                    "details": c.details} for c in costs],
        "notes": s.notes, "notifications_received": s.mail.received,
        "other_cpu_s": s.monitor.others,
        "soak_timing": {"loop_lag_max_s": max((x for _, x in s.monitor.loop_lags), default=0.0),
                        "loop_lags_over_200ms": len(s.monitor.loop_lags),
                        "worst_loop_lags": sorted(s.monitor.loop_lags, key=lambda x: -x[1])[:5],
                        "ami_lag_p95_s": _pct(s.watch.lags, 0.95),
                        "ami_lag_max_s": round(max(s.watch.lags, default=0.0), 3),
                        "ami_events": s.watch.names},
    }


def _pct(xs: list[float], p: float) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    return round(xs[int(p * (len(xs) - 1))], 3)


def _by_topic(events: list[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in events:
        key = "/".join(e.topic.split("/")[:2])
        out[key] = out.get(key, 0) + 1
    return out


def _clock(s: Any, at: float | None, seconds: bool = False) -> str:
    """A wall time as the day's clock; with ``seconds``, also the real seconds
    into the soak (to find it in the logs)."""
    if at is None:
        return "07:30"
    clock = (DAY_START + timedelta(seconds=(at - s.t0) * s.plan.factor)).strftime("%H:%M")
    return f"{clock} (+{at - s.t0:.1f} s, {datetime.fromtimestamp(at):%H:%M:%S.%f})" \
        if seconds else clock


def _note(d: dict[str, Any]) -> str:
    parts = []
    if "restart_s" in d:
        parts.append(f"new engine ready {d['restart_s']} s after its start")
    if "reconnect_s" in d:
        parts.append(f"engine back on AMI in {d['reconnect_s']} s")
    if "down_s" in d:
        parts.append(f"down {d['down_s']} s")
    if d.get("max_ringing"):
        parts.append(f"up to {d['max_ringing']} agents ringing")
    return ", ".join(parts)


def _v(x: Any, fmt: str = "{}") -> str:
    return "-" if x is None else fmt.format(x)


def print_report(r: dict[str, Any]) -> None:
    c, t, e = r["calls"], r["tickets"], r["events"]
    print(f"\nSoak at {r['load']:g}x design load ({327 * r['load']:.0f} calls/h, "
          f"{16.35 * r['load']:.1f} Erlang offered, {r['agents']} agents): 07:30-15:30 in "
          f"{r['minutes']:g} min (factor {r['factor']:g}), through the IVR, {r['db']}")
    print(f"{'offered':>8}{'answered':>9}{'abandoned':>10}{'rejected':>9}{'callbacks':>10}"
          f"{'lost':>6}{'fallback':>9}{'SL 20s':>8}{'ASA s':>7}{'p95 wait s':>11}")
    print(f"{c['offered']:>8}{c['answered']:>9}{c['abandoned']:>10}{c['rejected']:>9}"
          f"{c['callbacks']:>10}{c['lost']:>6}{c['fallback']:>9}"
          f"{_v(c['service_level'], '{:.1%}'):>8}{_v(c['asa_s']):>7}{_v(c['wait_p95_s']):>11}")
    ref = c.get("erlang_c")
    print(f"lost {c['lost']}: {c['lost_dropped']} ended by the system with no outcome "
          f"({c['lost_wrong_transfer']} of them sent to a department on an operator's request "
          f"for an earlier call), {c['lost_unended']} still up at the end, "
          f"{c['lost_unreached']} of the {c.get('planned')} planned never reached the dialplan; "
          f"agent occupancy {c['occupancy']:.0%}")
    print(f"handle time {c.get('handle_s')} s; " + (
        f"Erlang C for the {ref['calls_per_hour']} calls/h that reached the queue and this "
        f"handle time: SL {ref['service_level']:.1%}, ASA {ref['asa_s']} s" if ref else
        "the load is above what 20 agents can take: no Erlang C reference"))
    print("by language (answered calls): " + ", ".join(
        f"{lang} {v['answered']} SL {v['service_level']:.0%} ASA {v['asa_s']} s"
        for lang, v in c.get("by_language", {}).items()))
    print(f"tickets: {t['in_db']} in the database ({t['opened_by_desk']} opened by operators, "
          f"{t['transferred']} with the call transferred, {t['transfer_refused']} transfers "
          f"refused, {t['transfer_skipped']} not tried: citizen gone, "
          f"{t['transferred_wrong_call']} moved another citizen; "
          f"{t['callback_tickets']} callback requests); staff resolved "
          f"{t['resolved_by_staff']}, cancelled {t['cancelled_by_staff']}; lost {t['lost']} "
          f"(committed and missing {t['committed_missing']}, answered without a ticket "
          f"{t['answered_without_ticket']}, callbacks without one "
          f"{t['callbacks_without_ticket']}); duplicates {t['duplicates']}; "
          f"HTTP POST p50/p95 {t['http_post_p50_ms']}/{t['http_post_p95_ms']} ms")
    print(f"events: {e['committed']} committed to the outbox, {e['received']} received over "
          f"MQTT, lost {e['lost']}, still unpublished {e['unpublished']}, "
          f"QoS 1 duplicates {e['duplicates']}")
    print(f"{'engine':<10}{'pid':>8}{'RSS MB':>9}{'fds':>6}{'CPU s':>8}")
    for label in ("start", "middle", "end", "drained"):
        u = r["engine"].get(label)
        if u:
            print(f"{label:<10}{u['pid']:>8}{u['rss_mb']:>9.1f}{u['fds']:>6}{u['cpu_s']:>8.1f}")
    print(f"{'fault':<22}{'at':>6}{'calls lost':>11}{'tickets lost':>13}{'events lost':>12}"
          f"{'recover: call s':>16}{'event s':>9}  note")
    for f in r["faults"]:
        print(f"{f['name']:<22}{f['clock']:>6}{f['calls_lost']:>11}{f['tickets_lost']:>13}"
              f"{f['events_lost']:>12}{_v(f['recover_call_s']):>16}{_v(f['recover_event_s']):>9}"
              f"  {_note(f['details'])}")
    n = r["notes"]
    print(f"(SL: answered within {20 / r['factor']:.2f} s real of reaching the queue, of those "
          f"queued; ASA and p95 uncompressed. IVR {n.get('ivr_s')} s real; engine start "
          f"{n.get('engine_start_s')} s; SIGTERM at the end: exit {n.get('sigterm_exit')} in "
          f"{n.get('sigterm_s')} s)")


def print_summary(results: list[dict[str, Any]]) -> None:
    """The loads side by side (``make soak`` runs the design load and 3x)."""
    print("\nSoak summary (the day 07:30-15:30, compressed; RSS in MB, start/middle/end)")
    print(f"{'load':>5}{'offered':>8}{'answered':>9}{'abandoned':>10}{'rejected':>9}"
          f"{'callbacks':>10}{'lost':>6}{'SL 20s':>8}{'ASA s':>7}{'tickets lost':>13}"
          f"{'events lost':>12}  RSS (end vs middle)")
    for r in results:
        c, e = r["calls"], r["engine"]
        rss = [e.get(k, {}).get("rss_mb") for k in ("start", "middle", "end")]
        growth = (f"{(rss[2] / rss[1] - 1):+.0%}" if rss[1] and rss[2] else "-")
        tickets_lost = r["tickets"]["lost"]
        print(f"{r['load']:>4g}x{c['offered']:>8}{c['answered']:>9}{c['abandoned']:>10}"
              f"{c['rejected']:>9}{c['callbacks']:>10}{c['lost']:>6}"
              f"{_v(c['service_level'], '{:.1%}'):>8}{_v(c['asa_s']):>7}{tickets_lost:>13}"
              f"{r['events']['lost']:>12}  "
              + "/".join(_v(x, "{:.1f}") for x in rss) + f" ({growth})")
