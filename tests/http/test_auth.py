"""Users, argon2, sessions that expire, cookie and bearer sessions (the
login throttles: test_throttle.py)."""

from __future__ import annotations

import pytest
from http_helpers import PASSWORD, bearer, browser_login, login

from kontakt.http.sessions import LoginLimiter, SessionStore
from kontakt.http.users import UserError, add_user, authenticate, hash_password, verify_password


def test_password_hash_is_argon2id_and_verifies():
    h = hash_password("s3cret-pass")
    assert h.startswith("$argon2id$")
    assert verify_password(h, "s3cret-pass")
    assert not verify_password(h, "wrong")
    assert not verify_password("garbage", "s3cret-pass")


async def test_add_user_checks_first(sessionmaker):
    with pytest.raises(UserError) as e:
        await add_user(sessionmaker, "x", PASSWORD, "agent", agent_id="agent01")
    assert e.value.code == "user.bad_username"
    with pytest.raises(UserError) as e:
        await add_user(sessionmaker, "bob", "short", "agent", agent_id="agent01")
    assert e.value.code == "user.weak_password"
    with pytest.raises(UserError) as e:
        await add_user(sessionmaker, "bob", PASSWORD, "department")
    assert e.value.code == "user.department_required"
    await add_user(sessionmaker, "bob", PASSWORD, "supervisor")
    with pytest.raises(UserError) as e:
        await add_user(sessionmaker, "bob", PASSWORD, "supervisor")
    assert e.value.code == "user.exists"
    assert (await authenticate(sessionmaker, "bob", PASSWORD)).role == "supervisor"
    assert await authenticate(sessionmaker, "bob", "nope-nope") is None
    assert await authenticate(sessionmaker, "nobody", PASSWORD) is None


def test_session_expires_absolute_and_idle():
    now = [0.0]
    store = SessionStore(ttl=100, idle=30, clock=lambda: now[0])
    s = store.create(object())
    now[0] = 29
    assert store.get(s.token) is s
    now[0] = 58  # idle 29 s since last use: still alive
    assert store.get(s.token) is s
    now[0] = 89
    assert store.get(s.token) is None  # idle 31 s
    s2 = store.create(object())
    for t in range(110, 220, 20):
        now[0] = t
        alive = store.get(s2.token)
    assert alive is None  # absolute lifetime over, however busy


def test_limiter_window_slides():
    now = [0.0]
    lim = LoginLimiter(attempts=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert lim.retry_after("u:a") is None
        lim.failed("u:a")
    assert lim.retry_after("u:a") == pytest.approx(60)
    now[0] = 61
    assert lim.retry_after("u:a") is None


async def test_login_logout_and_cookie(client):
    r = await client.get("/api/me")
    assert r.status_code == 401 and r.json()["error"] == "auth.required"
    r = await browser_login(client, "sup")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    assert (await client.get("/api/me")).json()["role"] == "supervisor"  # cookie
    browser_token = client.cookies["kontakt_session"]
    token = await login(client, "sup")  # an API client's token, as Bearer
    assert (await client.get("/api/me", headers=bearer(token))).status_code == 200
    assert (await client.get("/api/me", headers=bearer(browser_token))).status_code == 401
    assert (await client.post("/api/logout", json={})).status_code == 200
    assert (await client.get("/api/me")).status_code == 401
    client.cookies.clear()
    client.cookies.set("kontakt_session", token)  # a bearer token is no cookie
    assert (await client.get("/api/me")).status_code == 401
    client.cookies.clear()
    assert (await client.get("/api/me", headers=bearer(token))).status_code == 200


async def test_bad_login_bodies_get_clear_errors(client):
    r = await client.post("/api/login", content=b"{not json", headers={
        "content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "request.bad_json"
    assert r.json()["message"] == "body is not JSON"  # no parser internals
    r = await client.post("/api/login", json={"username": "sup"})
    assert r.status_code == 422 and r.json()["details"]["field"] == "body.password"
    r = await client.post("/api/login", json=["sup", "pw"])
    assert r.status_code == 422
