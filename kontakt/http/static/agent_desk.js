"use strict";
// The operator desk's work aids: buttons that follow the agent's state, the
// talk timer, the citizen's contact pre-filled from the call, search, and
// tickets opened from any list in a dialog (ticket_detail.js).
let talkSince = null;  // Date.now() when the talk began, for the timer

function followState(a, actions) {
  const allowed = new Set(actions);
  for (const [id, act] of [["btn-login", "login"], ["btn-ready", "ready"],
                           ["btn-pause", "pause"], ["btn-logout", "logout"]]) {
    $(id).disabled = !allowed.has(act);
  }
  $("pause-reason").disabled = !allowed.has("pause");
  talkSince = a.state === "talking" ? Date.now() - (a.in_state || 0) * 1000 : null;
  tickTalk();
}

function tickTalk() {
  setText("call-talk", talkSince == null ? "—" : secs((Date.now() - talkSince) / 1000));
}

function prefillContact(call) {
  // The caller ID as the phone, unless the operator has typed one already.
  if (!$("t-phone").value && call.caller && /\d/.test(call.caller)) $("t-phone").value = call.caller;
}

function contactBody() {
  const out = {};
  for (const k of ["phone", "name", "email"]) {
    const v = $("t-" + k).value.trim();
    if (v) out[k] = v;
  }
  return out;
}

function myTicketsPath() {
  const q = $("find-q").value.trim();
  return q ? "/api/queue?sort=newest&limit=50&q=" + encodeURIComponent(q) : "/api/tickets?mine=true";
}

function openable(tr, number) {
  tr.className = "clickable";
  tr.onclick = () => openTicket(number);
  tr.onkeydown = (ev) => {
    if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); openTicket(number); }
  };
}

async function openTicket(number) {
  const dlg = $("ticket-dialog");
  if (!dlg.open) dlg.showModal();
  await TicketDetail.show(number, true);
}

$("dialog-close").onclick = () => $("ticket-dialog").close();
$("find-form").onsubmit = (ev) => { ev.preventDefault(); refreshTickets().catch(console.error); };
$("assign-form").hidden = true;  // operators forward; department staff assign
TicketDetail.start(() => refreshTickets());
setInterval(tickTalk, 1000);
