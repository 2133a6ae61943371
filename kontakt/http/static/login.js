"use strict";
$("login-form").onsubmit = async (ev) => {
  ev.preventDefault();
  try {
    await api("POST", "/api/login", {username: $("username").value, password: $("password").value});
    location.href = BOOT.next || "/";  // checked by the server (kontakt/http/redirect.py)
  } catch (e) {
    setText("login-error", e.status === 429 ? e.message : L.bad_login);
  }
};
