"use strict";
async function load() {
  const c = await api("GET", "/api/config");
  $("cfg-text").value = c.text; setText("cfg-version", c.version ? `v${c.version}` : "");
}
async function loadThrottles() {
  const t = await api("GET", "/api/throttles");
  const tb = $("throttles").querySelector("tbody");
  tb.textContent = "";
  for (const x of t.throttles) {
    const tr = row([x.key, x.failures, x.wait], {"data-key": x.key});
    const td = document.createElement("td"), b = document.createElement("button");
    b.type = "button"; b.textContent = L.clear;
    b.onclick = async () => { await api("POST", "/api/throttles/clear", {key: x.key}); await loadThrottles(); };
    td.appendChild(b); tr.appendChild(td); tb.appendChild(tr);
  }
}
$("btn-clear-all").onclick = async () => { await api("POST", "/api/throttles/clear", {}); await loadThrottles(); };
function problems(list) {
  const ul = $("cfg-problems"); ul.textContent = "";
  for (const p of list || []) {
    const li = document.createElement("li");
    const where = p.line != null ? `${p.line}` : (p.path || "");
    li.textContent = [where, p.message || p.reason || JSON.stringify(p)].filter(Boolean).join(": ");
    ul.appendChild(li);
  }
}
$("btn-validate").onclick = async () => {
  setText("cfg-ok", "");
  try {
    const r = await api("POST", "/api/config/validate", {text: $("cfg-text").value});
    problems(r.problems); if (r.valid) setText("cfg-ok", L.valid);
  } catch (e) { problems([{message: e.message}]); }
};
$("btn-apply").onclick = async () => {
  setText("cfg-ok", "");
  try {
    const r = await api("POST", "/api/config/apply", {text: $("cfg-text").value});
    problems([]); setText("cfg-ok", L.applied); setText("cfg-version", r.version ? `v${r.version}` : "");
  } catch (e) { problems((e.details && e.details.problems) || [{message: e.message}]); }
};
load().catch((e) => problems([{message: e.message}]));
loadThrottles().catch(console.error);
