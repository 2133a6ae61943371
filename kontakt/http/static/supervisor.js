"use strict";
// The supervisor acts: operator control (audited, with a reason) and any
// ticket searched, opened, reassigned or forwarded.
function agentChoices(agents) {
  const sel = $("ac-agent"), keep = sel.value;
  sel.textContent = "";
  for (const a of agents) {
    const o = document.createElement("option");
    o.value = a.id; o.textContent = `${a.id} · ${label("st_", a.state)}`;
    sel.appendChild(o);
  }
  if (keep) sel.value = keep;
  for (const tr of document.querySelectorAll("#w-agents tbody tr")) {
    tr.classList.add("clickable");
    tr.onclick = () => { sel.value = tr.dataset.agent; $("ac-note").focus(); };
  }
}

async function control(action) {
  showError("ac-error", null); setText("ac-ok", "");
  if (!$("ac-note").reportValidity()) return;
  const body = {note: $("ac-note").value.trim()};
  if (action === "pause") body.reason = $("ac-reason").value;
  try {
    const res = await api("POST", `/api/agents/${encodeURIComponent($("ac-agent").value)}/${action}`, body);
    setText("ac-ok", `${res.agent.id}: ${label("st_", res.agent.state)}`);
    $("ac-note").value = "";
    await refreshToday();
  } catch (e) { showError("ac-error", e); }
}
for (const a of ["pause", "ready", "logout"]) $("ac-" + a).onclick = () => control(a);

async function startSupervisor() {
  const deps = await departmentsById();
  const fwd = $("d-forward-to");
  for (const d of Object.values(deps)) {
    const o = document.createElement("option");
    o.value = d.id; o.textContent = depLabel(d); fwd.appendChild(o);
  }
  $("forward-form").onsubmit = (ev) => {
    ev.preventDefault();
    TicketDetail.act("forward", {department: fwd.value});
  };
  TicketDetail.start(() => Queue.refresh());
  const shown = TicketDetail.show.bind(TicketDetail);
  let staffOf = null;
  TicketDetail.show = async (number, focus) => {
    await shown(number, focus);
    const dep = TicketDetail.ticket && TicketDetail.ticket.department;
    if (dep && dep !== staffOf) { staffOf = dep; await TicketDetail.loadStaff(dep); }
    $("assign-form").hidden = !dep;
  };
  await Queue.start((t) => [t.number, depName(t.department), t.subject, when(t.created_at),
                            dueCell(t), t.assignee || "", label("s_", t.status)],
                    (number, focus) => TicketDetail.show(number, focus).catch(console.error));
}
// wallboard.js's live feed calls this on ticket events.
const onTicketEvent = debounce(() => Queue.refresh().catch(console.error), 200);
startSupervisor().catch(console.error);
