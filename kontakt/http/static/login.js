"use strict";
$("login-form").onsubmit = async (ev) => {
  ev.preventDefault();
  try {
    await api("POST", "/api/login", {username: $("username").value, password: $("password").value});
    const next = new URLSearchParams(location.search).get("next");
    location.href = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
  } catch (e) {
    setText("login-error", e.status === 429 ? e.message : L.bad_login);
  }
};
