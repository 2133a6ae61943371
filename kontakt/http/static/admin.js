"use strict";
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
loadThrottles().catch(console.error);
