"use strict";
// The work queue list (/api/queue): filters, paging, keyboard, the row that
// is open.  Used by the department page (and any page with #queue-filters).
// A row's due time, and the overdue marker when the deadline has passed.
function dueCell(t) {
  const d = t.deadline || {};
  const at = d.due_at || (d.responded_at ? null : d.response_due_at);
  if (!at && !d.overdue) return "—";
  return (at ? when(at) : "") + (d.overdue ? ` ⚠ ${L.overdue}` : "");
}

const Queue = {
  offset: 0, limit: 50, total: 0, selected: null, onOpen: null, columns: null,

  params() {
    const p = new URLSearchParams({offset: this.offset, limit: this.limit});
    const q = $("f-q").value.trim(); if (q) p.set("q", q);
    const st = $("f-status").value;
    if (st.startsWith("state:")) p.set("state", st.slice(6)); else if (st) p.set("status", st);
    if ($("f-kind").value) p.set("kind", $("f-kind").value);
    p.set("sort", $("f-sort").value);
    if ($("f-mine").checked) p.set("assignee", "me");
    if ($("f-overdue") && $("f-overdue").checked) p.set("overdue", "true");
    return p;
  },

  async refresh() {
    const res = await api("GET", "/api/queue?" + this.params());
    this.total = res.total;
    const tbody = $("inbox").querySelector("tbody");
    const focused = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.number : null;
    tbody.textContent = "";
    for (const t of res.tickets) {
      const late = !!(t.deadline && t.deadline.overdue);
      const tr = row(this.columns(t), {"data-number": t.number, "data-status": t.status,
                                       "data-overdue": late ? "1" : "0", tabindex: "0"});
      tr.className = "clickable" + (t.number === this.selected ? " selected" : "") +
        (late ? " overdue" : "");
      tr.lastChild.className = "status";
      tr.onclick = () => this.open(t.number);
      tr.onkeydown = (ev) => this.key(ev, tr, t.number);
      tbody.appendChild(tr);
      if (t.number === focused) tr.focus();
    }
    const end = Math.min(this.offset + res.tickets.length, this.total);
    setText("pg-info", this.total ? `${this.offset + 1}–${end} ${L.of} ${this.total}` : L.none);
    $("pg-prev").disabled = this.offset === 0;
    $("pg-next").disabled = end >= this.total;
  },

  key(ev, tr, number) {
    if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); this.open(number, true); }
    else if (ev.key === "ArrowDown" && tr.nextElementSibling) { ev.preventDefault(); tr.nextElementSibling.focus(); }
    else if (ev.key === "ArrowUp" && tr.previousElementSibling) { ev.preventDefault(); tr.previousElementSibling.focus(); }
  },

  open(number, focus) {
    this.selected = number;
    for (const r of $("inbox").querySelectorAll("tbody tr")) {
      r.classList.toggle("selected", r.dataset.number === number);
    }
    if (location.hash !== "#" + number) history.replaceState(null, "", "#" + number);
    if (this.onOpen) this.onOpen(number, focus);
  },

  start(columns, onOpen) {
    this.columns = columns; this.onOpen = onOpen;
    const again = () => { this.offset = 0; this.refresh().catch(console.error); };
    $("queue-filters").onsubmit = (ev) => { ev.preventDefault(); again(); };
    for (const id of ["f-status", "f-kind", "f-sort", "f-mine", "f-overdue"]) if ($(id)) $(id).onchange = again;
    $("pg-prev").onclick = () => { this.offset = Math.max(0, this.offset - this.limit); this.refresh().catch(console.error); };
    $("pg-next").onclick = () => { this.offset += this.limit; this.refresh().catch(console.error); };
    const fromHash = () => { const n = decodeURIComponent(location.hash.slice(1)); if (n) this.open(n, true); };
    window.addEventListener("hashchange", fromHash);
    fromHash();
    return this.refresh();
  },
};
