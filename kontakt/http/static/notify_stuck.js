"use strict";
// The wallboard's notifications not delivered (parts/notify_stuck.html):
// every ticket's failed or stuck ones, oldest first, each with a retry.
(() => {
  async function load() {
    const table = $("n-stuck");
    if (!table) return;
    let res;
    try { res = await api("GET", "/api/notifications/stuck?limit=200"); }
    catch (e) { showError("n-stuck-error", e); return; }
    const tbody = table.querySelector("tbody");
    tbody.textContent = "";
    for (const n of res.notifications) {
      const tr = Notify.row(n, [n.ticket_number], async () => {
        setText("n-stuck-ok", L.n_retried);
        await load();
      }, "n-stuck-error");
      if (typeof Queue !== "undefined") {  // the wallboard's ticket detail opens it
        tr.cells[0].className = "clickable";
        tr.cells[0].onclick = () => Queue.open(n.ticket_number, true);
      }
      tbody.appendChild(tr);
    }
    setText("n-stuck-total", res.total);
  }
  setInterval(load, 30000);  // a worker's attempts change them, not only the tickets
  load();
})();
