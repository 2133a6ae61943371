"use strict";
// Shared by every page: boot data, API calls, the live feed, small helpers.
const BOOT = JSON.parse(document.getElementById("boot").textContent);
const L = BOOT.L;

async function api(method, path, body) {
  const opts = {method, credentials: "same-origin", headers: {}};
  // State changes are JSON only (the server refuses anything else with 415).
  if (body !== undefined || method !== "GET") {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body === undefined ? {} : body);
  }
  const r = await fetch(path, opts);
  if (r.status === 401 && BOOT.user) {
    location.href = "/login?next=" + encodeURIComponent(location.pathname);
  }
  const data = r.headers.get("content-type")?.includes("json") ? await r.json() : null;
  if (!r.ok) {
    const e = new Error((data && data.message) || r.statusText);
    e.code = data && data.error; e.details = data && data.details; e.status = r.status;
    throw e;
  }
  return data;
}

// Server-sent events; EventSource reconnects by itself and sends
// Last-Event-ID, so the server replays what was missed.
function live(onEvent) {
  const badge = document.getElementById("live");
  badge.hidden = false;  // shown only on pages with a live feed
  const es = new EventSource("/api/events");
  es.onopen = () => { badge.textContent = L.live; badge.className = "live on"; };
  es.onerror = () => { badge.textContent = L.offline; badge.className = "live off"; };
  es.addEventListener("hello", () => onEvent({type: "hello"}));
  es.addEventListener("logout", () => { es.close(); location.href = "/login"; });
  es.onmessage = (m) => { try { onEvent(JSON.parse(m.data)); } catch (e) { console.error(e); } };
  return es;
}

function $(id) { return document.getElementById(id); }
function setText(id, v) { const n = $(id); if (n) n.textContent = v == null ? "—" : v; }
function secs(v) {
  if (v == null) return "—";
  v = Math.round(v);
  const m = Math.floor(v / 60), s = v % 60;
  return m ? `${m}:${String(s).padStart(2, "0")}` : `${s} s`;
}
function pct(v) { return v == null ? "—" : `${Math.round(v * 1000) / 10} %`; }
function row(cells, attrs) {
  const tr = document.createElement("tr");
  for (const [k, v] of Object.entries(attrs || {})) tr.setAttribute(k, v);
  for (const c of cells) {
    const td = document.createElement("td");
    td.textContent = c == null ? "" : c;
    tr.appendChild(td);
  }
  return tr;
}
function label(prefix, v) { return L[prefix + v] || v; }
// Coalesce bursts of events into one refresh.
function debounce(fn, ms) { let t; return () => { clearTimeout(t); t = setTimeout(fn, ms); }; }
// Errors in the page's language (by their stable code); the server's words otherwise.
function errText(e) { return (e.code && L["e_" + e.code]) || e.message; }
function showError(id, e) { setText(id, e ? `${L.error}: ${errText(e)}` : ""); }

const logoutBtn = document.getElementById("logout");
if (logoutBtn) logoutBtn.onclick = async () => {
  try { await api("POST", "/api/logout"); } finally { location.href = "/login"; }
};
