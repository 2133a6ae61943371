"use strict";
// The supervisor's telephony tools on the wallboard (kept apart from
// wallboard.js): for each operator who is talking, listen / whisper / barge.
// The supervisor's own phone rings; the server checks and audits every use.
(function () {
  const T = {
    sr: {listen: "Слушај", whisper: "Шапни", barge: "Укључи се", ringing: "звони ваш телефон"},
    "sr-Latn": {listen: "Slušaj", whisper: "Šapni", barge: "Uključi se",
                ringing: "zvoni vaš telefon"},
    en: {listen: "Listen", whisper: "Whisper", barge: "Barge in", ringing: "your phone rings"},
  };
  const lang = (BOOT && BOOT.lang) || document.documentElement.lang || "sr";
  const t = T[lang] || T[lang.split("-")[0]] || T.sr;

  function decorate(tr) {
    const agent = tr.getAttribute("data-agent");
    const old = tr.querySelector("td.supervise");
    if (tr.getAttribute("data-state") !== "talking") { if (old) old.remove(); return; }
    if (old) return;
    const td = document.createElement("td");
    td.className = "supervise";
    for (const mode of ["listen", "whisper", "barge"]) {
      const b = document.createElement("button");
      b.type = "button"; b.textContent = t[mode]; b.dataset.mode = mode;
      b.addEventListener("click", async () => {
        try {
          await api("POST", "/api/supervise", {agent, mode});
          b.title = t.ringing;
        } catch (e) { b.title = `${e.code || ""} ${e.message}`; alert(b.title); }
      });
      td.appendChild(b);
    }
    tr.appendChild(td);
  }

  function all() {
    for (const tr of document.querySelectorAll("#w-agents tbody tr[data-agent]")) decorate(tr);
  }
  const body = document.querySelector("#w-agents tbody");
  if (body) new MutationObserver(all).observe(body, {childList: true, subtree: true,
                                                     attributes: true});
  all();
})();
