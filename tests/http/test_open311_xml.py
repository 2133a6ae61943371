"""Open311 GeoReport v2 in XML: an XML client reads the services and a
service definition, posts a request (with attribute answers) and reads it
back; errors come as <errors><error>.  On SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
from xml.etree import ElementTree as ET

import asyncpg
import httpx
import pytest
from http_fakes import FakeEngine

from infra.db import make_engine, make_sessionmaker
from kontakt.http.app import create_app
from kontakt.http.context import HttpContext
from kontakt.http.georeport_xml import render
from kontakt.migrate import upgrade
from kontakt.settings import Settings
from tickets.service import TicketService

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_sessionmaker(request, tmp_path):
    admin = name = None
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/kontakt.db"
    else:
        name = f"kontakt_test_{secrets.token_hex(6)}"
        admin = await asyncpg.connect(ADMIN_DSN)
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    await upgrade(url)
    engine = make_engine(url)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()
        if admin is not None:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


@pytest.fixture
async def xml_client(db_sessionmaker, config_holder):
    ctx = HttpContext(sessionmaker=db_sessionmaker, tickets=TicketService(db_sessionmaker),
                      settings=Settings(), engine=FakeEngine(), config_holder=config_holder)
    transport = httpx.ASGITransport(app=create_app(ctx))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def xml(r: httpx.Response) -> ET.Element:
    assert r.headers["content-type"].startswith("text/xml"), r.headers["content-type"]
    return ET.fromstring(r.content)


async def test_xml_client_reads_services_posts_and_reads_back(xml_client):
    c = xml_client
    services = xml(await c.get("/open311/v2/services.xml"))
    assert services.tag == "services"
    by_code = {s.findtext("service_code"): s for s in services.findall("service")}
    assert {"vodovod", "cistoca"} <= set(by_code)
    assert by_code["cistoca"].findtext("metadata") == "true"
    assert by_code["vodovod"].findtext("metadata") == "false"
    assert by_code["vodovod"].findtext("service_name") == "ЈКП „Водовод и канализација“"

    definition = xml(await c.get("/open311/v2/services/cistoca.xml"))
    assert definition.tag == "service_definition"
    assert definition.findtext("service_code") == "cistoca"
    attrs = definition.findall("attributes/attribute")
    vrsta = next(a for a in attrs if a.findtext("code") == "vrsta")
    assert vrsta.findtext("datatype") == "singlevaluelist"
    assert vrsta.findtext("variable") == "true"
    keys = [v.findtext("key") for v in vrsta.findall("values/value")]
    assert "kontejner" in keys
    assert next(v.findtext("name") for v in vrsta.findall("values/value")).startswith("Испразни")
    # the JSON twin carries the same definition
    same = (await c.get("/open311/v2/services/cistoca.json")).json()
    assert [a["code"] for a in same["attributes"]] == [a.findtext("code") for a in attrs]

    r = await c.post("/open311/v2/requests.xml", data={
        "service_code": "cistoca", "description": "Пун контејнер\nиспред зграде",
        "address_string": "Булевар ослобођења 10", "attribute[vrsta]": "kontejner",
        "attribute[kolicina]": "2"})
    assert r.status_code == 201, r.text
    created = xml(r)
    assert created.tag == "service_requests"
    number = created.findtext("request/service_request_id")
    assert number and created.findtext("request/service_notice")

    back = xml(await c.get(f"/open311/v2/requests/{number}.xml"))
    req = back.find("request")
    assert req is not None and back.tag == "service_requests"
    assert req.findtext("service_request_id") == number
    assert req.findtext("status") == "open" and req.findtext("service_code") == "cistoca"
    assert "Испразнити пун контејнер" in req.findtext("description")
    listed = xml(await c.get("/open311/v2/requests.xml", params={"service_request_id": number}))
    assert [x.findtext("service_request_id") for x in listed.findall("request")] == [number]


@pytest.mark.parametrize("method,path,form,status", [
    ("get", "/open311/v2/requests/9999-1.xml", None, 404),
    ("get", "/open311/v2/requests/a b.xml", None, 400),
    ("get", "/open311/v2/services/vodovod.xml", None, 404),  # no attributes: no definition
    ("get", "/open311/v2/services/nope.xml", None, 404),
    ("get", "/open311/v2/tokens/x.xml", None, 404),
    ("post", "/open311/v2/requests.xml", {"service_code": "nope", "description": "x",
                                          "lat": "1", "long": "1"}, 404),
    ("post", "/open311/v2/requests.xml", {"service_code": "cistoca", "description": "x",
                                          "lat": "1", "long": "1",
                                          "attribute[vrsta]": "zlato"}, 400),
    ("post", "/open311/v2/requests.xml", {"service_code": "cistoca", "description": "x",
                                          "lat": "1", "long": "1",
                                          "attribute[kolicina]": "mnogo"}, 400),
    ("post", "/open311/v2/requests.xml", {"service_code": "cistoca", "description": "x",
                                          "lat": "1", "long": "1",
                                          "attribute[boja]": "plava"}, 400),
    ("post", "/open311/v2/requests.xml", {"service_code": "vodovod", "description": "x"}, 400),
])
async def test_xml_errors_are_georeport_errors(xml_client, method, path, form, status):
    r = await getattr(xml_client, method)(path, **({"data": form} if form else {}))
    assert r.status_code == status
    doc = xml(r)
    assert doc.tag == "errors"
    err = doc.find("error")
    assert err is not None and err.findtext("code") == str(status) and err.findtext("description")


def test_xml_carries_any_text_a_citizen_sent():
    doc = ET.fromstring(render("service_requests", [{"description": "a\x01b <&> ћ", "x": None,
                                                     "ok": True}]))
    req = doc.find("request")
    assert req.findtext("description") == "a\ufffdb <&> ћ"
    assert req.findtext("x") == "" and req.findtext("ok") == "true"
