"use strict";
// The supervisor's follow-through (parts/followup_wallboard.html): overdue,
// returned, merged, operators needed now against logged in, per department;
// escalations live; the staffing table of the last four weeks.
(() => {
  const esc = new EventSource("/api/events");
  async function figures() {
    let f;
    try { f = await api("GET", "/api/stats/followup"); } catch (e) { return; }
    setText("fu-overdue", f.overdue_open); setText("fu-returned", f.returned_waiting);
    setText("fu-merged", f.merged);
    setText("fu-needed", f.staffing_now.needed); setText("fu-logged-in", f.staffing_now.logged_in);
    const tile = $("fu-needed");
    if (tile) tile.className = f.staffing_now.needed > f.staffing_now.logged_in ? "short" : "";
    const tb = document.querySelector("#fu-by-dep tbody");
    tb.replaceChildren();
    for (const [dep, b] of Object.entries(f.by_department).sort()) tb.appendChild(row([dep, b.returned, b.overdue]));
  }
  async function staffing() {
    let s;
    try { s = await api("GET", "/api/stats/staffing"); } catch (e) { return; }
    const tb = document.querySelector("#fu-staffing tbody");
    tb.replaceChildren();
    for (const r of s.rows) tb.appendChild(row([r.slot, r.offered, r.aht, r.needed]));
  }
  esc.onmessage = (m) => {
    try {
      const ev = JSON.parse(m.data);
      if (ev.topic !== "escalations") return;
      const li = document.createElement("li");
      const what = `${L.overdue} (${(ev.details || {}).deadline || ""})`;
      li.textContent = `${new Date(ev.at).toLocaleTimeString()} ${ev.number} · ${ev.department || "—"} · ${what} · ${ev.subject}`;
      const ol = $("fu-escalations");
      ol.prepend(li);
      while (ol.children.length > 20) ol.lastChild.remove();
      figures();
    } catch (e) { console.error(e); }
  };
  figures(); staffing();
  setInterval(figures, 5000);
  setInterval(staffing, 300000);
})();
