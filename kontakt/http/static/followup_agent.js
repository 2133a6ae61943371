"use strict";
// The operator's follow-through (parts/followup_agent.html): the returned
// tickets, live; forwarding one again; merging a duplicate; while a ticket is
// being typed, the open tickets that look like it, to attach the report to.
(() => {
  const deps = {};
  const esc = new EventSource("/api/events");  // its own stream: the page's script is not touched

  async function departments() {
    for (const d of (await api("GET", "/api/departments")).departments) deps[d.id] = d;
  }
  function depName(id) {
    const d = deps[id];
    if (!d) return id || "—";
    return BOOT.lang === "en" ? d.name_en : (BOOT.lang === "sr-Latn" ? d.name_latn : d.name);
  }
  function depSelect(selected) {
    const sel = document.createElement("select");
    for (const id of Object.keys(deps)) {
      const o = document.createElement("option");
      o.value = id; o.textContent = depName(id); o.selected = id === selected;
      sel.appendChild(o);
    }
    return sel;
  }

  async function returned() {
    const tb = document.querySelector("#fu-returned tbody");
    if (!tb) return;
    let list;
    try { list = (await api("GET", "/api/tickets/returned")).tickets; } catch (e) { showError("fu-error", e); return; }
    const me = BOOT.user && BOOT.user.username;
    list.sort((a, b) => (b.opened_by === me) - (a.opened_by === me));
    tb.replaceChildren();
    for (const t of list) {
      const tr = row([t.number, t.subject, `${depName(t.from_department)} (${t.returned_by || ""})`,
                      t.return_reason, depName(t.suggested_department)],
                     {"data-number": t.number, "class": t.opened_by === me ? "mine" : ""});
      const td = document.createElement("td");
      const sel = depSelect(t.suggested_department);
      const btn = document.createElement("button");
      btn.type = "button"; btn.textContent = L.forward_again; btn.className = "fu-forward";
      btn.onclick = async () => {
        try {
          await api("POST", `/api/tickets/${encodeURIComponent(t.number)}/forward`, {department: sel.value});
          showError("fu-error", null); returned();
        } catch (e) { showError("fu-error", e); }
      };
      td.append(sel, btn); tr.appendChild(td); tb.appendChild(tr);
    }
    setText("fu-returned-count", list.length);
  }

  const form = $("fu-merge-form");
  if (form) form.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      await api("POST", `/api/tickets/${encodeURIComponent($("fu-merge-dup").value.trim())}/merge`,
                {into: $("fu-merge-into").value.trim()});
      showError("fu-error", null); form.reset();
    } catch (e) { showError("fu-error", e); }
  };

  // Look-alikes while the operator types (the ticket form's fields, if present).
  const field = (id) => $(id) && $(id).value.trim();
  const similar = debounce(async () => {
    const card = $("fu-similar-card"), tb = document.querySelector("#fu-similar tbody");
    const department = field("t-department"), kind = field("t-kind"), subject = field("t-subject");
    if (!card || !department || !kind || !subject || subject.length < 4) { if (card) card.hidden = true; return; }
    const q = new URLSearchParams({department, kind, subject, description: field("t-description") || ""});
    if (field("t-address")) q.set("address", field("t-address"));
    let list;
    try { list = (await api("GET", `/api/tickets/similar?${q}`)).tickets; } catch (e) { return; }
    tb.replaceChildren();
    for (const t of list) {
      const tr = row([t.number, t.subject, t.address, label("s_", t.status), pct(t.similarity)]);
      const td = document.createElement("td"), btn = document.createElement("button");
      btn.type = "button"; btn.textContent = L.attach; btn.className = "fu-attach";
      btn.onclick = async () => {
        const body = {kind, department, subject, description: field("t-description") || "", attach_to: t.number};
        try {
          const got = await api("POST", "/api/tickets", body);
          $("ticket-form") && $("ticket-form").reset(); card.hidden = true;
          // The shown ticket was closed meanwhile: the report stands as a ticket of its own.
          setText("fu-error", got.not_attached ? `${L.not_attached} ${got.number}` : "");
        }
        catch (e) { showError("fu-error", e); }
      };
      td.appendChild(btn); tr.appendChild(td); tb.appendChild(tr);
    }
    card.hidden = list.length === 0;
  }, 400);
  for (const id of ["t-subject", "t-description", "t-department", "t-kind", "t-address"]) {
    if ($(id)) $(id).addEventListener("input", similar);
  }

  const refresh = debounce(returned, 200);
  esc.onmessage = (m) => {
    try {
      const ev = JSON.parse(m.data);
      if (ev.topic === "tickets" && (ev.status === "returned" || ev.type === "ticket.returned" ||
          ev.type === "ticket.forwarded" || ev.type === "ticket.merged")) refresh();
    } catch (e) { console.error(e); }
  };
  departments().then(returned);
})();
