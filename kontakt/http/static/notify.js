"use strict";
// The citizen's notifications (SMS, e-mail): one table row each, with a
// retry button on the failed or stuck ones (/api/tickets/{n}/notifications).
// Used by the ticket detail (ticket_detail.js) and the wallboard's stuck list.
const Notify = {
  what(n) { return L["nt_" + n.ticket_status] || n.ticket_status; },
  status(n) {
    const s = label("ns_", n.status);
    return n.status === "pending" && n.stuck ? `${s} (${L.ns_stuck})` : s;
  },
  time(n) { return when(n.sent_at || n.next_attempt_at || n.created_at); },

  // cells before the common ones (the wallboard puts the ticket number first)
  row(n, before, onRetried, errorId) {
    const tr = row([...(before || []), this.what(n), `${label("ch_", n.channel)}\n${n.recipient}`,
                    this.status(n), this.time(n), n.attempts, n.last_error || ""],
                   {"data-id": n.id, "data-status": n.status, "data-ticket": n.ticket_number,
                    "data-stuck": n.stuck ? "1" : "0"});
    const at = before ? before.length : 0;
    tr.cells[at].title = [n.subject, n.text].filter(Boolean).join("\n");
    tr.cells[at + 1].className = "to";
    const td = document.createElement("td");
    if (n.retryable) {
      const b = document.createElement("button");
      b.type = "button"; b.className = "retry"; b.textContent = L.n_retry_short;
      b.title = L.n_retry; b.setAttribute("aria-label", `${L.n_retry}: ${this.what(n)}, ${label("ch_", n.channel)}`);
      b.onclick = async () => {
        b.disabled = true;
        showError(errorId, null);
        try {
          await api("POST", `/api/tickets/${encodeURIComponent(n.ticket_number)}/notifications/${n.id}/retry`);
          if (onRetried) await onRetried(n);
        } catch (e) { showError(errorId, e); b.disabled = false; }
      };
      td.appendChild(b);
    }
    tr.appendChild(td);
    return tr;
  },

  async forTicket(number) {
    const table = $("d-notifications");
    if (!table) return;
    const res = await api("GET", `/api/tickets/${encodeURIComponent(number)}/notifications`);
    const tbody = table.querySelector("tbody");
    tbody.textContent = "";
    for (const n of res.notifications) {
      tbody.appendChild(this.row(n, null, async () => {
        setText("d-notifications-ok", L.n_retried);
        await this.forTicket(number);
      }, "detail-error"));
    }
    table.hidden = !res.notifications.length;
    $("d-notifications-none").hidden = !!res.notifications.length;
  },
};
