"use strict";
// The ticket detail pane (templates/parts/ticket_detail.html): facts,
// contact (as the API shows it to this user), actions, readable history.
const TicketDetail = {
  number: null, ticket: null, people: {}, onChange: null, previewTimer: null, previewSeq: 0,

  async show(number, focus) {
    if (this.number !== number) setText("d-notifications-ok", "");
    this.number = number;
    const path = `/api/tickets/${encodeURIComponent(number)}`;
    let t;
    try { t = await api("GET", path); } catch (e) { $("d-body").hidden = true; $("d-empty").hidden = false; showError("detail-error", e); setText("d-empty", errText(e)); return; }
    this.ticket = t;
    $("d-empty").hidden = true; $("d-body").hidden = false;
    setText("d-number", t.number); setText("d-subject", t.subject);
    setText("d-status", label("s_", t.status)); $("d-status").dataset.status = t.status;
    setText("d-kind", label("k_", t.kind));
    setText("d-department", depName(t.department));
    setText("d-channel", label("ch_", t.channel));
    setText("d-created", `${when(t.created_at)} (${L.age}: ${age(t.created_at)})`);
    setText("d-assignee-now", t.assignee ? (this.people[t.assignee] || t.assignee) : L.unassigned);
    setText("d-contact", [t.name, t.phone, t.email].filter(Boolean).join(" · ") || L.none);
    setText("d-address", t.address || L.none);
    setText("d-call", (t.calls || []).map((c) => c.uniqueid + (c.wait_seconds != null ? ` (${L.wait} ${secs(c.wait_seconds)})` : "")).join(", ") || L.none);
    setText("d-description", t.description || "");
    if (focus) { $("d-title").focus(); $("ticket-detail").scrollIntoView({block: "nearest"}); }
    const h = await api("GET", `${path}/history`);
    const ol = $("d-history");
    ol.textContent = "";
    for (const e of h.history) {
      const li = document.createElement("li");
      li.textContent = historyLine(e, this.people);
      if (e.comment) li.dataset.note = (e.details || {}).for_citizen ? "citizen" : "internal";
      ol.appendChild(li);
    }
    if (typeof Notify !== "undefined") await Notify.forTicket(number);
    this.schedulePreview();
  },

  // What the citizen would receive (the server words it with the real
  // templates; nothing is sent), updated as the comment is typed.
  schedulePreview() {
    clearTimeout(this.previewTimer);
    this.previewTimer = setTimeout(() => this.preview(), 300);
  },

  async preview() {
    const seq = ++this.previewSeq;
    const forCitizen = $("d-for-citizen").checked, to = $("d-to").value;
    const comment = $("d-comment").value;
    $("pv-internal").hidden = forCitizen;
    setText("pv-error", "");
    if (!this.number || (!forCitizen && !to) || (forCitizen && !comment.trim() && !to)) {
      this.renderPreview(forCitizen ? {outcome: "internal"} : null, forCitizen);
      return;
    }
    let p;
    try {
      p = await api("POST", `/api/tickets/${encodeURIComponent(this.number)}/notifications/preview`,
        {comment, to: to || undefined, for_citizen: forCitizen});
    } catch (e) {
      if (seq === this.previewSeq) { this.renderPreview(null, forCitizen); showError("pv-error", e); }
      return;
    }
    if (seq === this.previewSeq) this.renderPreview(p, forCitizen);
  },

  renderPreview(p, forCitizen) {
    const box = $("pv-citizen");
    box.hidden = !p || (!forCitizen && p.outcome !== "sent");
    if (box.hidden) return;
    const notes = {sent: forCitizen ? "" : L.pv_status_only, web_only: L.pv_no_sms,
      internal: L.pv_write, no_contact: L.pv_no_contact, not_notified: L.pv_not_notified,
      already_told: L.pv_already_told};
    setText("pv-note", notes[p.outcome] || "");
    setText("pv-lang", p.language ? `(${L.language}: ${p.language})` : "");
    $("pv-sms-box").hidden = !p.sms; setText("pv-sms", p.sms || "");
    $("pv-email-box").hidden = !p.email;
    setText("pv-subject", p.email ? p.email.subject : ""); setText("pv-body", p.email ? p.email.body : "");
    $("pv-web-box").hidden = !p.web; setText("pv-web", p.web || "");
  },

  async loadStaff(dep) {
    if (!dep) { $("assign-form").hidden = true; return; }
    const res = await api("GET", `/api/departments/${encodeURIComponent(dep)}/staff`);
    const sel = $("d-assignee");
    sel.textContent = "";
    for (const u of res.staff) {
      this.people[u.username] = u.full_name || u.username;
      const o = document.createElement("option");
      o.value = u.username; o.textContent = u.full_name || u.username;
      sel.appendChild(o);
    }
  },

  async act(path, body, okText) {
    showError("detail-error", null); setText("detail-ok", "");
    try {
      await api("POST", `/api/tickets/${encodeURIComponent(this.number)}/${path}`, body);
      setText("detail-ok", okText || L.saved);
      if (this.onChange) await this.onChange();
      await this.show(this.number);
      return true;
    } catch (e) { showError("detail-error", e); return false; }
  },

  start(onChange) {
    this.onChange = onChange;
    $("status-form").onsubmit = async (ev) => {
      ev.preventDefault();
      const to = $("d-to").value, comment = $("d-comment").value.trim();
      const for_citizen = $("d-for-citizen").checked;
      // A comment alone is a comment, not a status step.
      const ok = to ? await this.act("status", {to, comment, for_citizen})
        : await this.act("comments", {text: comment, for_citizen});
      if (ok) { $("d-comment").value = ""; $("d-to").value = ""; $("d-for-citizen").checked = false; this.preview(); }
    };
    $("d-comment").addEventListener("input", () => this.schedulePreview());
    for (const id of ["d-to", "d-for-citizen"]) $(id).addEventListener("change", () => this.schedulePreview());
    $("assign-form").onsubmit = (ev) => {
      ev.preventDefault();
      this.act("assign", {assignee: $("d-assignee").value});
    };
  },
};
