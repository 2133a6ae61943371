"use strict";
// The citizen's chat panel on /citizen: no account; the server keeps the
// chat in an HttpOnly cookie. Every text is shown with textContent (never markup).
(function () {
  const OPEN = ["queued", "active", "fallback"];
  const WHO = {citizen: L.chat_you, operator: L.chat_operator, system: L.chat_system};
  const log = $("chat-log");
  let state = "none", lastId = 0, es = null, poll = null;

  function add(m) {
    if (m.id <= lastId) return;
    lastId = m.id;
    const li = document.createElement("li");
    li.className = m.author; li.dataset.id = m.id;
    const who = document.createElement("b");
    who.textContent = (WHO[m.author] || m.author) + ":";
    li.appendChild(who);
    li.appendChild(document.createTextNode(m.text));
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
  }

  function show(v) {
    state = v.state;
    $("chat-panel").dataset.state = v.state;
    for (const m of v.messages || []) add(m);
    let s = "";
    if (v.state === "queued") {
      s = `${L.chat_queued} · ${L.chat_position}: ${v.position} · ${L.chat_expected}: ${secs(v.expected_wait)}`;
    } else if (v.state === "active") s = L.chat_active;
    else if (v.state === "fallback") s = L.chat_fallback;
    else if (v.state === "ended") s = L.chat_ended + (v.ticket ? ` · ${L.number}: ${v.ticket}` : "");
    setText("chat-status", s);
    $("chat-fallback").hidden = v.state !== "fallback";
    $("chat-end").hidden = !OPEN.includes(v.state);
    $("chat-send").textContent = OPEN.includes(v.state) ? L.chat_send : L.chat_start;
    if (!OPEN.includes(v.state)) stop();
  }

  async function refresh() {
    try { show(await api("GET", `/api/chat/me?after=${lastId}`)); }
    catch (e) { if (e.status !== 404) chatError(e); }
  }
  const soon = debounce(refresh, 50);

  function start() {
    if (es) return;
    es = new EventSource("/api/chat/me/events");
    es.onmessage = () => soon();
    poll = setInterval(refresh, 4000);  // the place in the queue moves between events too
  }
  function stop() {
    if (es) { es.close(); es = null; }
    if (poll) { clearInterval(poll); poll = null; }
  }

  function chatError(e) {
    if (e.status === 429) setText("chat-error", L.chat_slow);
    else if (e.details && e.details.reason === "too_long") setText("chat-error", L.chat_too_long);
    else showError("chat-error", e);
  }

  async function send() {
    showError("chat-error", null);
    const text = $("chat-text").value;
    if (!text.trim()) return;
    try {
      if (OPEN.includes(state)) {
        await api("POST", "/api/chat/me/messages", {text});
        await refresh();
      } else {
        log.textContent = ""; lastId = 0;
        show(await api("POST", "/api/chat", {text, language: "sr"}));
        start();
      }
      $("chat-text").value = "";
    } catch (e) { chatError(e); }
  }
  $("chat-form").onsubmit = (ev) => { ev.preventDefault(); send(); };
  $("chat-text").onkeydown = (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); send(); }
  };

  async function fallback(body) {
    showError("chat-error", null);
    try { await api("POST", "/api/chat/me/fallback", body); await refresh(); }
    catch (e) { chatError(e); }
  }
  $("chat-leave").onclick = () => fallback({choice: "message", ...($("chat-text").value.trim() ? {text: $("chat-text").value} : {})});
  $("chat-callback").onclick = () => fallback({choice: "callback", ...($("chat-phone").value.trim() ? {phone: $("chat-phone").value.trim()} : {})});
  $("chat-keep").onclick = () => fallback({choice: "wait"}).then(start);
  $("chat-end").onclick = async () => {
    try { await api("POST", "/api/chat/me/end"); } catch (e) { chatError(e); }
    await refresh();
  };

  // A chat already open in this browser (the page was reloaded): carry on.
  if ($("chat-panel").dataset.hasChat === "1") refresh().then(() => { if (OPEN.includes(state)) start(); });
})();
