"""The configuration editor's earlier versions live in the database
(``config_versions``, revision 0013): a rollback works after the service
restarts (a second app, its own engine and holder, on the same database and
file), and only the newest 20 are kept."""

from __future__ import annotations

import shutil

import httpx
import pytest
from http_fakes import FakeEngine
from http_helpers import PASSWORD, bearer, login
from sqlalchemy import func, select

from dialplan.holder import ConfigHolder
from dialplan.loader import default_path
from infra.db import make_engine, make_sessionmaker
from kontakt.config_versions import KEEP, ConfigVersionRow
from kontakt.http.app import create_app
from kontakt.http.context import HttpContext
from kontakt.http.users import add_user
from kontakt.settings import Settings
from tests.dbs import KINDS, drop, migrated_url
from tickets.service import TicketService

OLD, NEW, NEWER = "mon-fri: 07:30-15:30", "mon-fri: 08:00-16:00", "mon-fri: 09:00-17:00"


class Service:
    """One run of the service: its own engine, holder and app."""

    def __init__(self, url: str, path) -> None:
        self.engine = make_engine(url)
        self.sm = make_sessionmaker(self.engine)
        self.holder = ConfigHolder(path)
        self.token: str | None = None
        ctx = HttpContext(sessionmaker=self.sm, tickets=TicketService(self.sm),
                          settings=Settings(), engine=FakeEngine(), config_holder=self.holder)
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(ctx)),
                                        base_url="http://testserver",
                                        headers={"Origin": "http://testserver"})

    async def admin(self) -> dict[str, str]:
        if self.token is None:
            self.token = await login(self.client, "adm")
        return bearer(self.token)

    async def close(self) -> None:
        await self.client.aclose()
        await self.engine.dispose()


async def _apply(svc: Service, text: str) -> None:
    r = await svc.client.post("/api/config/apply", headers=await svc.admin(), json={"text": text})
    assert r.status_code == 200, r.text


@pytest.fixture(params=KINDS)
async def url(request, tmp_path):
    url, name = await migrated_url(request.param, tmp_path, label="config")  # the revisions
    yield url
    await drop(name)


async def test_rollback_after_restart_and_only_twenty_kept(url, tmp_path):
    path = tmp_path / "kontakt.yaml"
    shutil.copy(default_path(), path)
    original = path.read_text("utf-8")
    assert OLD in original
    first = Service(url, path)
    await add_user(first.sm, "adm", PASSWORD, "admin")
    await _apply(first, original.replace(OLD, NEW))
    await _apply(first, original.replace(OLD, NEWER))
    r = await first.client.get("/api/config/versions", headers=await first.admin())
    kept = r.json()["versions"]
    assert [v["version"] for v in kept] == [2, 1]  # newest first
    assert OLD in kept[1]["text"] and NEW in kept[0]["text"]
    assert kept[0]["by"] == "adm" and kept[0]["replaced_at"].endswith("+00:00")
    await first.close()

    # the service restarts: the holder counts from 1 again, the versions are still there
    second = Service(url, path)
    assert NEWER in second.holder.text and second.holder.version == 1
    adm = await second.admin()
    r = await second.client.get("/api/config/versions", headers=adm)
    assert [v["id"] for v in r.json()["versions"]] == [v["id"] for v in kept]
    r = await second.client.post("/api/config/rollback", headers=adm,
                                 json={"id": kept[1]["id"]})
    assert r.status_code == 200, r.text
    assert r.json()["applied"] and OLD in second.holder.text and OLD in path.read_text("utf-8")
    r = await second.client.get("/api/config/versions", headers=adm)
    assert NEWER in r.json()["versions"][0]["text"]  # what the rollback replaced, kept too
    r = await second.client.post("/api/config/rollback", headers=adm, json={"id": 999})
    assert r.status_code == 404 and r.json()["error"] == "config.no_version"
    r = await second.client.post("/api/config/rollback", headers=adm, json={})
    assert r.status_code == 422 and r.json()["error"] == "request.invalid"

    for i in range(KEEP + 2):
        await _apply(second, original.replace(OLD, f"mon-fri: 07:{i:02d}-15:30"))
    r = await second.client.get("/api/config/versions", headers=adm)
    got = r.json()["versions"]
    assert len(got) == KEEP and "07:20-15:30" in got[0]["text"]
    async with second.sm() as s:
        assert await s.scalar(select(func.count()).select_from(ConfigVersionRow)) == KEEP
    await second.close()
