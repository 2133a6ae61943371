"use strict";
async function loadServices() {
  const r = await fetch("/open311/v2/services.json");
  for (const s of await r.json()) {
    const o = document.createElement("option");
    o.value = s.service_code; o.textContent = BOOT.lang === "en" ? s.description : s.service_name;
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
  const n = $("c-number").value.trim();
  const r = await fetch(`/open311/v2/requests/${encodeURIComponent(n)}.json`);
  const data = await r.json();
  if (!r.ok) { setText("c-status", L.not_found); return; }
  const q = data[0];
  setText("c-status", `${q.service_request_id} · ${q.service_name} · ${label("s_", q.status_notes)} (${L[q.status]})`);
};
loadServices().catch(console.error);
