"use strict";
async function loadServices() {
  const r = await fetch("/open311/v2/services.json");
  for (const s of await r.json()) {
    const o = document.createElement("option");
    o.value = s.service_code;
    o.textContent = depLabel({name: s.service_name, name_en: s.description, name_latn: toLatin(s.service_name)});
    $("c-service").appendChild(o);
  }
}
$("request-form").onsubmit = async (ev) => {
  ev.preventDefault(); setText("c-ok", ""); setText("c-error", "");
  const r = await fetch("/open311/v2/requests.json", {method: "POST",
    body: new URLSearchParams(new FormData($("request-form")))});
  const data = await r.json();
  if (r.ok) { setText("c-ok", `${L.received}: ${data[0].service_request_id}`); $("request-form").reset(); }
  else setText("c-error", `${L.error}: ${data[0].description}`);
};
$("lookup-form").onsubmit = async (ev) => {
  ev.preventDefault();
  const body = {number: $("c-number").value.trim()};
  const last4 = $("c-last4").value.trim();
  if (last4) body.phone_last4 = last4;
  $("c-timeline").textContent = "";
  let t;
  try { t = await api("POST", "/api/lookup", body); } catch (e) {
    setText("c-status", e.status === 404 ? L.not_found_hint : errText(e)); return;
  }
  setText("c-status", `${t.number} · ${depLabel(t.department)} · ${label("s_", t.status)}`);
  for (const step of t.timeline) $("c-timeline").appendChild(timelineItem(step));
};
// One step of the citizen's story, in the page's language and local time.
function timelineItem(step) {
  const li = document.createElement("li");
  li.dataset.action = step.action;
  let what = {opened: L.t_received, forwarded: `${L.t_forwarded} ${depLabel(step.department)}`,
              comment: L.t_message}[step.action] || `${L.status}: ${label("s_", step.status)}`;
  // Serbian is written in both scripts: the service's words in the page's script.
  const msg = step.message && BOOT.lang === "sr-Latn" ? toLatin(step.message) : step.message;
  li.textContent = `${when(step.at)} · ${what}` + (msg ? ` — ${msg}` : "");
  return li;
}
loadServices().catch(console.error);
