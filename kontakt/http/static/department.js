"use strict";
let selected = null;

async function refreshInbox() {
  const res = await api("GET", "/api/tickets");
  const tbody = $("inbox").querySelector("tbody");
  tbody.textContent = "";
  for (const t of res.tickets) {
    const tr = row([t.number, label("k_", t.kind), t.subject, t.phone, t.assignee,
                    label("s_", t.status)], {"data-number": t.number, "data-status": t.status});
    tr.onclick = () => select(t.number);
    tr.className = "clickable";
    tbody.appendChild(tr);
  }
  if (selected) await select(selected);
}

async function select(number) {
  selected = number;
  const t = await api("GET", `/api/tickets/${encodeURIComponent(number)}`);
  $("ticket-detail").hidden = false;
  setText("d-number", t.number); setText("d-subject", t.subject);
  setText("d-status", label("s_", t.status)); $("d-status").dataset.status = t.status;
  setText("d-description", t.description);
  const h = await api("GET", `/api/tickets/${encodeURIComponent(number)}/history`);
  const ol = $("d-history");
  ol.textContent = "";
  for (const e of h.history) {
    const li = document.createElement("li");
    const when = (e.at || "").replace("T", " ").slice(0, 19);
    const to = e.new_status && e.new_status !== e.old_status ? label("s_", e.new_status) : "";
    li.textContent = [when, e.action, e.actor, to, e.comment].filter(Boolean).join(" · ");
    ol.appendChild(li);
  }
}

async function loadStaff() {
  const dep = BOOT.user.department;
  setText("dep-name", dep);
  const res = await api("GET", `/api/departments/${encodeURIComponent(dep)}/staff`);
  const sel = $("d-assignee");
  for (const u of res.staff) {
    const o = document.createElement("option");
    o.value = u.username; o.textContent = u.full_name || u.username;
    sel.appendChild(o);
  }
}

$("status-form").onsubmit = async (ev) => {
  ev.preventDefault(); showError("detail-error", null);
  try {
    await api("POST", `/api/tickets/${encodeURIComponent(selected)}/status`,
              {to: $("d-to").value, comment: $("d-comment").value});
    $("d-comment").value = "";
    await refreshInbox();
  } catch (e) { showError("detail-error", e); }
};
$("assign-form").onsubmit = async (ev) => {
  ev.preventDefault(); showError("detail-error", null);
  try {
    await api("POST", `/api/tickets/${encodeURIComponent(selected)}/assign`,
              {assignee: $("d-assignee").value});
    await refreshInbox();
  } catch (e) { showError("detail-error", e); }
};

const soon = debounce(() => refreshInbox().catch(console.error), 50);
live(() => soon());
loadStaff().catch(console.error);
refreshInbox().catch(console.error);
