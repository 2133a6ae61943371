"use strict";
// Chats on the agent desktop, beside the call: several at once, each with
// its transcript (textContent only), an answer box, a ticket in one action,
// forward to a department, end. Loaded before agent.js (which owns the feed).
const chatCards = new Map();  // conversation id -> {el, lastId, gone}
const CHAT_WHO = {citizen: L.chat_citizen, operator: L.chat_operator, system: L.chat_system};
const CHAT_KINDS = ["complaint", "request", "suggestion", "information"];

function chatEl(tag, attrs, text) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  if (text != null) el.textContent = text;
  return el;
}

function chatCard(c) {
  const card = chatEl("div", {class: "chatcard", "data-chat": c.id});
  card.appendChild(chatEl("h3", {}, `#${c.id} · ${label("ch_", c.channel)}`));
  card.appendChild(chatEl("p", {class: "error chat-gone", hidden: ""}, L.chat_gone));
  card.appendChild(chatEl("ol", {class: "chat-log"}));
  const text = chatEl("textarea", {rows: "2", maxlength: "4000", "aria-label": L.chat_message, class: "chat-answer"});
  const send = chatEl("button", {type: "button", class: "chat-send"}, L.chat_send);
  const kind = chatEl("select", {class: "chat-kind", "aria-label": L.kind});
  for (const k of CHAT_KINDS) kind.appendChild(chatEl("option", {value: k}, label("k_", k)));
  const subject = chatEl("input", {class: "chat-subject", maxlength: "200", "aria-label": L.subject,
                                   placeholder: L.subject, value: `${L.chat_ticket} #${c.id}`});
  const dep = $("t-department").cloneNode(true);
  dep.removeAttribute("id"); dep.className = "chat-department";
  const ticket = chatEl("button", {type: "button", class: "chat-ticket"}, L.chat_ticket);
  const forward = chatEl("button", {type: "button", class: "chat-forward"}, L.chat_forward);
  const end = chatEl("button", {type: "button", class: "chat-end"}, L.chat_end);
  const ok = chatEl("p", {class: "ok"}), err = chatEl("p", {class: "error", role: "alert"});
  const row1 = chatEl("div", {class: "buttons"}); row1.append(send, end);
  const row2 = chatEl("div", {class: "buttons"}); row2.append(kind, subject, ticket);
  const row3 = chatEl("div", {class: "buttons"}); row3.append(dep, forward);
  card.append(text, row1, row2, row3, ok, err);
  const entry = {el: card, lastId: 0, gone: false};
  const run = async (path, body, done) => {
    err.textContent = ""; ok.textContent = "";
    try { const r = await api("POST", `/api/chats/${c.id}/${path}`, body); done && done(r); }
    catch (e) { err.textContent = e.status === 429 ? L.chat_slow : `${L.error}: ${e.code || ""} ${e.message}`; }
    refreshChats().catch(console.error);
  };
  const answer = () => {
    if (!text.value.trim()) return;
    run("messages", {text: text.value}, () => { text.value = ""; });
  };
  send.onclick = answer;
  text.onkeydown = (ev) => { if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); answer(); } };
  ticket.onclick = () => run("ticket", {kind: kind.value, subject: subject.value || `#${c.id}`},
                             (r) => { ok.textContent = `${L.number}: ${r.ticket}`; });
  forward.onclick = () => run("forward", {kind: kind.value, subject: subject.value || `#${c.id}`,
                                          department: dep.value},
                              (r) => { ok.textContent = `${L.number}: ${r.ticket}`; });
  end.onclick = () => {
    if (entry.gone) { card.remove(); chatCards.delete(c.id); chatEmpty(); return; }
    run("end", undefined);
  };
  chatCards.set(c.id, entry);
  $("chats").appendChild(card);
  return entry;
}

function chatShow(c) {
  const entry = chatCards.get(c.id) || chatCard(c);
  const dep = entry.el.querySelector(".chat-department");
  if (!dep.options.length) for (const o of $("t-department").options) dep.appendChild(o.cloneNode(true));
  const log = entry.el.querySelector(".chat-log");
  for (const m of c.messages) {
    if (m.id <= entry.lastId) continue;
    entry.lastId = m.id;
    const li = chatEl("li", {class: m.author, "data-id": m.id});
    li.appendChild(chatEl("b", {}, (CHAT_WHO[m.author] || m.author) + ":"));
    li.appendChild(document.createTextNode(m.text));
    log.appendChild(li);
  }
  log.scrollTop = log.scrollHeight;
}

function chatGone(id) {
  const entry = chatCards.get(id);
  if (!entry) return;
  entry.gone = true;
  entry.el.classList.add("gone");
  entry.el.querySelector(".chat-gone").hidden = false;
  entry.el.querySelector(".chat-end").textContent = "OK";
}

function chatEmpty() { $("chat-none").hidden = chatCards.size > 0; }

async function refreshChats() {
  let mine;
  try { mine = await api("GET", "/api/chats/mine"); } catch (e) { $("chat-section").hidden = e.status === 503; return; }
  $("chat-section").hidden = mine.enabled === false;
  if (mine.enabled === false) return;
  const ids = new Set(mine.chats.map((c) => c.id));
  for (const [id, entry] of chatCards) {
    if (!ids.has(id) && !entry.gone) { entry.el.remove(); chatCards.delete(id); }
  }
  for (const c of mine.chats) chatShow(c);
  const l = mine.load;
  setText("chat-load", `${L.load}: ${L.ch_chat} ${l.chat} · ${L.ch_sms} ${l.sms} · ${L.ch_email} ${l.email} · ${L.waiting}: ${mine.waiting}`);
  chatEmpty();
}

const soonChats = debounce(() => refreshChats().catch(console.error), 50);
function chatEvent(ev) {
  if (ev.type === "chat.citizen_gone") chatGone(ev.conversation);
  soonChats();
}
refreshChats().catch(console.error);
setInterval(soonChats, 5000);  // without the live feed too
