"use strict";
let current = null;   // the agent's live call, if any
let shownCall = null;

async function refreshAgent() {
  const me = await api("GET", "/api/agents/me");
  const a = me.agent;
  setText("agent-state", label("st_", a.state) + (a.reason ? ` (${label("r_", a.reason)})` : ""));
  $("agent-state").dataset.state = a.state;
  followState(a, me.actions || []);
  setText("queue-waiting", me.waiting);
  setText("queue-longest", Math.round(me.longest_wait));
  current = a.call;
  const panel = $("call-panel");
  panel.className = current ? "call ringing" : "call none";
  $("btn-transfer").disabled = !current;
  if (!current) { shownCall = null; return; }
  setText("call-caller", current.caller);
  setText("call-language", current.language);
  setText("call-wait", secs(current.wait));
  if (shownCall !== current.uniqueid) {
    shownCall = current.uniqueid;
    prefillContact(current);
    await refreshEarlier();
  }
}

// The citizen's earlier tickets, for the live call (refreshed on ticket events too).
async function refreshEarlier() {
  const ul = $("call-earlier");
  if (!current || !current.caller) { ul.textContent = ""; return; }
  const found = await api("GET", "/api/tickets?phone=" + encodeURIComponent(current.caller));
  ul.textContent = "";
  for (const t of found.tickets) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = "#" + t.number; a.dataset.number = t.number; a.dataset.status = t.status;
    a.textContent = `${t.number} · ${label("k_", t.kind)} · ${depName(t.department)} · ${t.subject} · ${label("s_", t.status)}`;
    a.onclick = (ev) => { ev.preventDefault(); openTicket(t.number); };
    li.appendChild(a);
    ul.appendChild(li);
  }
  if (!found.tickets.length) ul.textContent = L.none;
}

async function refreshCallbacks() {
  // Callback requests left outside hours or while waiting: oldest first, so
  // the morning's agents call back in the order citizens asked.
  const found = await api("GET", "/api/tickets?kind=callback&status=new&limit=200");
  const tbody = $("callbacks").querySelector("tbody");
  tbody.textContent = "";
  for (const t of found.tickets.slice().reverse()) {
    tbody.appendChild(row([t.number, t.phone || "", label("s_", t.status)],
                          {"data-number": t.number}));
  }
}

async function refreshTickets() {
  refreshCallbacks().catch(() => {});
  const mine = await api("GET", myTicketsPath());
  const tbody = $("my-tickets").querySelector("tbody");
  tbody.textContent = "";
  for (const t of mine.tickets) {
    const tr = row([t.number, label("k_", t.kind), depName(t.department), t.subject, label("s_", t.status)],
                   {"data-number": t.number, "data-status": t.status, tabindex: "0"});
    tr.lastChild.className = "status";
    openable(tr, t.number);
    tbody.appendChild(tr);
  }
  if (current) refreshEarlier().catch(console.error);
}

async function loadDepartments() {
  const deps = await departmentsById();
  const sel = $("t-department");
  for (const d of Object.values(deps)) {
    const o = document.createElement("option");
    o.value = d.id;
    o.textContent = depLabel(d);
    sel.appendChild(o);
  }
}

function ticketBody() {
  return {kind: $("t-kind").value, department: $("t-department").value,
          subject: $("t-subject").value, description: $("t-description").value,
          ...contactBody()};
}

async function submit(path, extra) {
  showError("ticket-error", null); setText("ticket-ok", "");
  try {
    const t = await api("POST", path, {...ticketBody(), ...extra});
    setText("ticket-ok", `${L.number}: ${t.number}`);
    if (t.transfer && !t.transfer.ok) showError("ticket-error", {code: t.transfer.code, message: t.transfer.message});
    $("ticket-form").reset();
    if (current) prefillContact(current);
    await refreshTickets();
  } catch (e) { showError("ticket-error", e); }
}

$("ticket-form").onsubmit = (ev) => {
  ev.preventDefault();
  const extra = {};
  if (current && current.language) extra.language = current.language;
  submit("/api/tickets", extra);
};
$("btn-transfer").onclick = () => {
  if (!$("ticket-form").reportValidity()) return;
  // Names the call on screen: if it ended meanwhile, nobody else is sent away.
  submit("/api/calls/transfer", current ? {call: current.uniqueid} : {});
};

async function act(path, body) {
  try {
    await api("POST", path, body);
    showError("agent-error", null);  // an old error goes with the next success
  } catch (e) { showError("agent-error", e); }
  await refreshAgent();
}
$("btn-login").onclick = () => act("/api/agents/me/login", {});
$("btn-ready").onclick = () => act("/api/agents/me/ready");
$("btn-pause").onclick = () => act("/api/agents/me/pause", {reason: $("pause-reason").value});
$("btn-logout").onclick = () => act("/api/agents/me/logout");

const soonAgent = debounce(() => refreshAgent().catch(console.error), 50);
const soonTickets = debounce(() => refreshTickets().catch(console.error), 50);
live((ev) => {
  if (ev.type === "hello") { soonAgent(); soonTickets(); chatEvent(ev); return; }
  if (ev.topic === "chats") { chatEvent(ev); return; }  // chat_agent.js
  if (ev.topic === "tickets") soonTickets(); else soonAgent();
});
loadDepartments().then(() => refreshTickets()).catch(console.error);
refreshAgent().catch(console.error);
