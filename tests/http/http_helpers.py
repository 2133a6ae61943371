"""Helpers shared by the HTTP tests (imported by name: tests/http is on sys.path)."""

from __future__ import annotations

from typing import Any

import httpx

PASSWORD = "correct-horse-1"
USERS = {  # username: (role, department, agent)
    "agent01": ("agent", None, "agent01"),
    "sup": ("supervisor", None, None),
    "adm": ("admin", None, None),
    "vod1": ("department", "vodovod", None),
    "vod2": ("department", "vodovod", None),
    "cis1": ("department", "cistoca", None),
}


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> str:
    """A bearer token, as an API client gets one (no cookie is set)."""
    r = await client.post("/api/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["token"]


async def browser_login(client: httpx.AsyncClient, username: str,
                        password: str = PASSWORD) -> httpx.Response:
    """Log in as a browser does: the session is in the cookie only."""
    r = await client.post("/api/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    assert "token" not in r.json() and "kontakt_session" in r.cookies
    return r


def bearer(token: str) -> dict[str, Any]:
    return {"Authorization": f"Bearer {token}"}
