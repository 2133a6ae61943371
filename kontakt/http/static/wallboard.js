"use strict";
const STATUSES = ["new", "forwarded", "active", "resolved", "cancelled", "closed"];

function ticketRows(counts) {
  // {department: {status: n}} or [{department, status, count}] or {status: n}
  const out = {};
  if (Array.isArray(counts)) {
    for (const r of counts) (out[r.department || ""] ||= {})[r.status] = r.count ?? r.n;
  } else if (counts) {
    for (const [k, v] of Object.entries(counts)) {
      if (v && typeof v === "object") out[k] = v; else (out[""] ||= {})[k] = v;
    }
  }
  return out;
}

function loadText(l) {
  // each operator's open contacts per channel (blended: calls, chats, SMS, e-mail)
  if (!l) return "";
  return ["call", "chat", "sms", "email"].filter((ch) => l[ch]).map((ch) => `${label("ch_", ch)} ${l[ch]}`).join(" · ") || "0";
}

async function refreshToday() {
  const s = await api("GET", "/api/stats/today");
  const loads = {};
  try {
    for (const x of (await api("GET", "/api/chats")).loads) loads[x.agent] = x.load;
  } catch (e) { /* no web chat here */ }
  setText("w-waiting", s.waiting); setText("w-longest", secs(s.longest_wait));
  setText("w-answered", s.answered); setText("w-abandoned", s.abandoned);
  setText("w-rejected", s.rejected || 0);
  setText("w-sl", pct(s.service_level)); setText("w-asa", secs(s.asa));
  setText("w-ar", pct(s.abandon_rate));
  const tb = $("w-agents").querySelector("tbody");
  tb.textContent = "";
  for (const a of s.agents) {
    const tr = row([a.id, label("st_", a.state) + (a.reason ? ` (${label("r_", a.reason)})` : ""),
                    "", a.calls_today, loadText(loads[a.id])], {"data-agent": a.id, "data-state": a.state});
    tr.children[2].dataset.since = a.since || "";
    tr.className = "st-" + a.state;
    tb.appendChild(tr);
  }
  tickSince();
  if (typeof agentChoices === "function") agentChoices(s.agents);
  const tt = $("w-tickets").querySelector("tbody");
  tt.textContent = "";
  for (const [dep, by] of Object.entries(ticketRows(s.tickets))) {
    tt.appendChild(row([depName(dep), ...STATUSES.map((st) => by[st] || 0)], {"data-department": dep}));
  }
}

function tickSince() {
  const now = Date.now();
  for (const td of document.querySelectorAll("#w-agents td[data-since]")) {
    const t = Date.parse(td.dataset.since);
    td.textContent = isNaN(t) ? "—" : secs(Math.max(0, (now - t) / 1000));
  }
}

async function refreshHistory() {
  const by = $("w-by").value;
  const h = await api("GET", `/api/stats/history?by=${by}&days=${by === "day" ? 30 : 2}`);
  const tb = $("w-history").querySelector("tbody");
  tb.textContent = "";
  for (const r of h.rows) {
    tb.appendChild(row([r.period, r.offered, r.answered, r.abandoned, r.rejected || 0,
                        pct(r.service_level), secs(r.asa), pct(r.abandon_rate)]));
  }
  drawChart($("w-chart"), h.rows, by);
  $("export-calls").href = `/api/export/calls.csv?by=${by}&days=${by === "day" ? 30 : 2}`;
}

$("w-by").onchange = () => refreshHistory().catch(console.error);
const soon = debounce(() => refreshToday().catch(console.error), 50);
live((ev) => {
  soon();
  if (ev.topic === "tickets" && typeof onTicketEvent === "function") onTicketEvent();
});
departmentsById().catch(console.error).then(() => refreshToday()).catch(console.error);
refreshHistory().catch(console.error);
setInterval(tickSince, 1000);
// Waits grow between events: re-read the figures every few seconds as well.
setInterval(() => refreshToday().catch(console.error), 3000);
setInterval(() => refreshHistory().catch(console.error), 60000);
