"use strict";
// Department staff (parts/followup_department.html): their open tickets
// with the due time, the working time left and overdue, live; returning a
// ticket that is not theirs (reason required, a department suggested).
(() => {
  const esc = new EventSource("/api/events");
  const fmt = (iso) => iso ? new Date(iso).toLocaleString(BOOT.lang === "en" ? "en-GB" : "sr-RS",
                                                          {dateStyle: "short", timeStyle: "short"}) : "—";
  function left(d) {
    if (!d || d.clock === "none") return "—";
    if (d.clock === "stopped") return `${secs(d.left_seconds)} · ${L.paused}`;
    return d.left_seconds < 0 ? `−${secs(-d.left_seconds)}` : secs(d.left_seconds);
  }
  async function load() {
    const tb = document.querySelector("#fu-deadlines tbody");
    if (!tb) return;
    const all = [];
    try {
      for (const s of ["forwarded", "active", "waiting"]) {
        all.push(...(await api("GET", `/api/tickets?status=${s}&limit=200`)).tickets);
      }
    } catch (e) { showError("fu-error", e); return; }
    all.sort((a, b) => ((a.deadline || {}).due_at || "9").localeCompare((b.deadline || {}).due_at || "9"));
    tb.replaceChildren();
    let late = 0;
    for (const t of all) {
      const d = t.deadline || {};
      late += d.overdue ? 1 : 0;
      tb.appendChild(row([t.number, t.subject, label("s_", t.status), fmt(d.due_at || d.response_due_at),
                          left(d), d.overdue ? L.overdue : L.on_time],
                         {"data-number": t.number, "class": d.overdue ? "overdue" : ""}));
    }
    setText("fu-dep-overdue", late);
  }
  async function departments() {
    const sel = $("fu-return-suggested");
    if (!sel) return;
    for (const d of (await api("GET", "/api/departments")).departments) {
      if (BOOT.user && d.id === BOOT.user.department) continue;
      const o = document.createElement("option");
      o.value = d.id; o.textContent = BOOT.lang === "en" ? d.name_en : (BOOT.lang === "sr-Latn" ? d.name_latn : d.name);
      sel.appendChild(o);
    }
  }
  const form = $("fu-return-form");
  if (form) form.onsubmit = async (ev) => {
    ev.preventDefault();
    const body = {reason: $("fu-return-reason").value.trim()};
    if ($("fu-return-suggested").value) body.suggested_department = $("fu-return-suggested").value;
    try {
      await api("POST", `/api/tickets/${encodeURIComponent($("fu-return-number").value.trim())}/return`, body);
      showError("fu-error", null); form.reset(); load();
    } catch (e) { showError("fu-error", e); }
  };
  const refresh = debounce(load, 300);
  esc.onmessage = (m) => { try { if (JSON.parse(m.data).topic === "tickets") refresh(); } catch (e) { console.error(e); } };
  setInterval(load, 30000);  // what is left changes with the clock, not only with events
  departments(); load();
})();
