"use strict";
// Users in the page: add, edit (role, department, seat, name), deactivate,
// reset password (the generated password is shown once, here).
let editing = null;  // username being edited, or null for a new user

async function loadUsers() {
  const u = await api("GET", "/api/users");
  const tb = $("users").querySelector("tbody");
  tb.textContent = "";
  for (const x of u.users) {
    const tr = row([x.username, x.full_name, label("role_", x.role), x.department ? depName(x.department) : "",
                    x.agent_id || ""], {"data-user": x.username});
    const td = document.createElement("td");
    td.className = "buttons";
    for (const [text, fn] of [[L.edit, () => edit(x)], [L.reset_password, () => resetPassword(x.username)],
                              [L.deactivate, () => deactivate(x.username)]]) {
      const b = document.createElement("button");
      b.type = "button"; b.textContent = text; b.onclick = fn;
      b.dataset.act = text === L.edit ? "edit" : text === L.deactivate ? "deactivate" : "reset";
      td.appendChild(b);
    }
    tr.appendChild(td);
    tb.appendChild(tr);
  }
}

function edit(x) {
  editing = x.username;
  $("u-username").value = x.username; $("u-username").disabled = true;
  $("u-full-name").value = x.full_name || ""; $("u-role").value = x.role;
  $("u-department").value = x.department || ""; $("u-agent").value = x.agent_id || "";
  setText("u-save", L.save);
  $("u-role").focus();
}

async function userAct(fn) {
  showError("u-error", null); setText("u-ok", "");
  try { await fn(); await loadUsers(); } catch (e) { showError("u-error", e); }
}

function resetPassword(username) {
  userAct(async () => {
    const r = await api("POST", `/api/users/${encodeURIComponent(username)}/reset-password`);
    $("u-password-box").hidden = false; setText("u-password", `${username}: ${r.password}`);
  });
}

function deactivate(username) {
  userAct(async () => {
    await api("POST", `/api/users/${encodeURIComponent(username)}/deactivate`);
    setText("u-ok", L.user_saved);
  });
}

$("user-form").onsubmit = (ev) => {
  ev.preventDefault();
  const body = {role: $("u-role").value, full_name: $("u-full-name").value.trim()};
  if ($("u-department").value) body.department = $("u-department").value;
  if ($("u-agent").value.trim()) body.agent_id = $("u-agent").value.trim();
  userAct(async () => {
    if (editing) {
      await api("POST", `/api/users/${encodeURIComponent(editing)}/update`, body);
    } else {
      // A new user gets a generated password, shown once (as a reset does).
      const password = Array.from(crypto.getRandomValues(new Uint8Array(12)),
                                  (b) => "abcdefghjkmnpqrstuvwxyz23456789"[b % 31]).join("");
      await api("POST", "/api/users", {...body, username: $("u-username").value.trim(), password});
      $("u-password-box").hidden = false; setText("u-password", `${$("u-username").value.trim()}: ${password}`);
    }
    setText("u-ok", L.user_saved);
    editing = null; $("user-form").reset(); $("u-username").disabled = false; setText("u-save", L.add_user);
  });
};

departmentsById().then((deps) => {
  for (const d of Object.values(deps)) {
    const o = document.createElement("option");
    o.value = d.id; o.textContent = depLabel(d); $("u-department").appendChild(o);
  }
  return loadUsers();
}).catch(console.error);
