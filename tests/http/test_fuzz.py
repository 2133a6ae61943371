"""Fuzzing against a real uvicorn: schemathesis over /openapi.json (inputs
that follow the schema), and hypothesis with hostile inputs over every
operation of the same document (lone surrogates, NUL, deep nesting, huge
numbers, wrong content types, broken bytes).  No 500 for any operation, as
anonymous, agent, department staff, supervisor and administrator; each run
prints how many inputs it tried."""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from http_fakes import FakeEngine
from http_helpers import PASSWORD, USERS
from http_server import ThreadedServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from acd.blend import Blender
from acd.distributor import Distributor
from dialplan.holder import ConfigHolder
from dialplan.loader import default_path
from infra.db import make_engine, make_sessionmaker
from kontakt.chat.service import ConversationService
from kontakt.chat.store import ConversationStore
from kontakt.http.app import create_app
from kontakt.http.context import HttpContext
from kontakt.http.users import add_user
from kontakt.migrate import upgrade
from kontakt.settings import Settings
from tickets.service import TicketService

ROLES = {"anonymous": None, "agent": "agent01", "department": "vod1", "admin": "adm",
         "supervisor": "sup"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    db = folder / "kontakt.db"
    cfg = folder / "kontakt.yaml"
    shutil.copy(default_path(), cfg)
    engines = []

    async def build():
        url = f"sqlite+aiosqlite:///{db}"
        await upgrade(url)
        engine = make_engine(url)
        engines.append(engine)
        sm = make_sessionmaker(engine)
        for name, (role, dep, agent) in USERS.items():
            await add_user(sm, name, PASSWORD, role, department=dep, agent_id=agent)
        tickets = TicketService(sm)
        # The real conversation service, so the web chat's operations are fuzzed too.
        acd = Distributor()
        acd.add_agent("agent01")
        acd.login("agent01", time.time())
        chats = ConversationService(ConversationStore(sm), Blender(acd), clock=time.time,
                                    run_voice=lambda commands: None, tickets=tickets)
        ctx = HttpContext(sessionmaker=sm, tickets=tickets,
                          settings=Settings(login_free_failures=10_000),
                          engine=FakeEngine(), config_holder=ConfigHolder(cfg), chats=chats)
        return create_app(ctx)

    async def teardown():
        for e in engines:
            await e.dispose()

    srv = ThreadedServer(build, teardown).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def tokens(server):
    out = {}
    for role, user in ROLES.items():
        if user is None:
            out[role] = {}
            continue
        r = httpx.post(f"{server.url}/api/token", json={"username": user, "password": PASSWORD})
        assert r.status_code == 200
        out[role] = {"Authorization": f"Bearer {r.json()['token']}"}
    return out


@pytest.fixture(scope="module")
def api_schema(server):
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    # The live stream never ends and the logout ends the session under the fuzzer.
    return (schema.exclude(path="/api/events").exclude(path="/api/chat/me/events")
            .exclude(path="/api/logout"))


@pytest.mark.parametrize("role", list(ROLES))
def test_no_server_errors(role, api_schema, tokens, server, capsys):
    # Hypothesis directly: schemathesis' pytest plugin trips over pytest 9.
    operations = [r.ok() for r in api_schema.get_all_operations()]
    assert len(operations) > 30
    tried, statuses = 0, Counter()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            nonlocal tried
            response = case.call(base_url=server.url, headers=tokens[role], timeout=10)
            tried += 1
            statuses[response.status_code // 100] += 1
            case.validate_response(response, checks=[not_a_server_error])

        fuzz()
    with capsys.disabled():
        print(f"\nschemathesis as {role}: {tried} inputs over {len(operations)} operations, "
              f"{statuses[5]} server errors; by class {dict(sorted(statuses.items()))}")
    assert statuses[5] == 0


# -- hostile inputs over every operation of /openapi.json ---------------------------

# Strings JSON can carry but a database cannot (lone surrogates), control
# characters, bidi overrides, NUL, very long text, markup and SQL.
CURATED = ["\ud800", "a\udfffb", "\udbff\udbff", "\x00", "\u202e\u0000", "\r\n\t\x0b\x1b",
           "'; DROP TABLE tickets;--", "<script>alert(1)</script>", "../../etc/passwd", "%00",
           "x" * 70000, "NS-2026-000001", "vodovod", "agent01", "🌼" * 300, "\ufeff", " "]
HOSTILE_TEXT = st.one_of(
    st.text(alphabet=st.characters(codec=None, categories=None), max_size=40),
    st.sampled_from(CURATED), st.sampled_from(CURATED),
)
HOSTILE_NUMBER = st.sampled_from(["1" * 5000, "1e999", "-1e999", "NaN", "Infinity",
                                  "-0", "1.5", "9" * 25, "0x10", "1_000"])
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                      HOSTILE_TEXT)
JSON_DOC = st.recursive(JSON_LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(HOSTILE_TEXT, inner, max_size=4)),
    max_leaves=12)
CONTENT_TYPES = st.one_of(st.just("application/json"), st.just("application/json"),
                          st.sampled_from(["text/plain", "application/x-www-form-urlencoded",
                                           None, "application/json; charset=utf-16"]))


KNOWN = {"department": "vodovod", "assignee": "vod2", "username": "agent01",
         "password": PASSWORD}


def _valid(name, schema):
    if "enum" in schema:
        return schema["enum"][0]
    t = schema.get("type")
    if t == "integer":
        return schema.get("minimum", 1)
    if t == "boolean":
        return True
    if t == "array":
        return []
    return KNOWN.get(name) or "x" * max(1, schema.get("minLength", 1))


def _body_for(draw, schema):
    """A body that passes the checks but for one field: that one is hostile
    (so the hostile value gets as far as the service and the database)."""
    props = dict((schema or {}).get("properties", {}))
    body = {k: _valid(k, v) for k, v in props.items() if draw(st.booleans())
            or k in (schema or {}).get("required", [])}
    texts = sorted(k for k, v in props.items() if v.get("type") == "string" and "enum" not in v)
    if texts and draw(st.integers(0, 3)):
        body[draw(st.sampled_from(texts))] = draw(HOSTILE_TEXT)
    elif draw(st.booleans()):
        body[draw(st.sampled_from(sorted(props) or ["x"]))] = draw(JSON_DOC)
    else:
        body[draw(HOSTILE_TEXT)] = draw(JSON_DOC)
    return json.dumps(body).encode()  # ensure_ascii: surrogates travel as \uXXXX escapes


@st.composite
def hostile_requests(draw, operations):
    path, method, op = draw(st.sampled_from(operations))
    for param in op.get("parameters", []):
        value = draw(st.one_of(HOSTILE_TEXT, HOSTILE_NUMBER)) or "x"
        quoted = quote(value.encode("utf-8", "surrogatepass"), safe="")
        if param["in"] == "path":
            path = path.replace("{" + param["name"] + "}", quoted[:3000])
        elif draw(st.booleans()):
            path += ("&" if "?" in path else "?") + f"{param['name']}={quoted[:3000]}"
    raw = draw(st.one_of(
        st.builds(lambda: None), st.builds(lambda: None),
        st.just("DEEP"),
        st.sampled_from([b"{", b"[" * 40000, b"\xff\xfe\x00", b'{"a": "\\ud800"}']),
        st.binary(max_size=64),
    ))
    if raw is None:
        schema = (op.get("requestBody", {}).get("content", {}).get("application/json", {})
                  .get("schema"))
        raw = _body_for(draw, schema)
    elif raw == "DEEP":
        depth = draw(st.integers(10, 3000))
        raw = b'{"a":' * depth + draw(HOSTILE_NUMBER).encode() + b"}" * depth
    return method.upper(), path, raw, draw(CONTENT_TYPES)


@pytest.mark.parametrize("role", ["anonymous", "agent", "admin"])
def test_hostile_inputs_never_reach_a_server_error(role, tokens, server, capsys):
    doc = httpx.get(f"{server.url}/openapi.json").json()
    operations = [(p, m, op) for p, item in doc["paths"].items() for m, op in item.items()
                  if p not in ("/api/events", "/api/chat/me/events", "/api/logout")]
    tried, statuses = 0, Counter()
    with httpx.Client(base_url=server.url, timeout=10) as http:

        @given(req=hostile_requests(operations))
        @settings(max_examples=300, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(req):
            nonlocal tried
            method, path, raw, ctype = req
            headers = {**tokens[role], **({"content-type": ctype} if ctype else {})}
            r = http.request(method, path, content=raw, headers=headers)
            tried += 1
            statuses[r.status_code // 100] += 1
            assert r.status_code < 500, (method, path, raw[:200], ctype, r.text[:300])
            if r.status_code >= 400 and not path.startswith("/open311/"):
                assert r.json()["error"], r.text  # a stable code, always
                assert "Traceback" not in r.text and "/work/" not in r.text

        fuzz()
    with capsys.disabled():
        print(f"\nhypothesis hostile inputs as {role}: {tried} requests over "
              f"{len(operations)} operations, {statuses[5]} server errors; "
              f"by class {dict(sorted(statuses.items()))}")


def _sweep(doc):
    """Every text field of every JSON body, with every curated hostile value,
    the other fields valid: a deterministic pass before the random one."""
    for path, item in doc["paths"].items():
        for method, op in item.items():
            schema = (op.get("requestBody", {}).get("content", {})
                      .get("application/json", {}).get("schema"))
            if path in ("/api/events", "/api/chat/me/events", "/api/logout") or not schema:
                continue
            props = schema.get("properties", {})
            base = {k: _valid(k, v) for k, v in props.items()}
            path = path.replace("{number}", "NS-2026-000001").replace("{department}", "vodovod")
            for name, prop in props.items():
                if prop.get("type") == "string" and "enum" not in prop:
                    for value in CURATED:
                        yield method.upper(), path, json.dumps({**base, name: value}).encode()


@pytest.mark.parametrize("role", ["agent", "admin"])
def test_every_text_field_with_every_hostile_value(role, tokens, server, capsys):
    doc = httpx.get(f"{server.url}/openapi.json").json()
    statuses = Counter()
    with httpx.Client(base_url=server.url, timeout=10) as http:
        for method, path, raw in _sweep(doc):
            r = http.request(method, path, content=raw,
                             headers={**tokens[role], "content-type": "application/json"})
            statuses[r.status_code // 100] += 1
            assert r.status_code < 500, (method, path, raw[:200], r.text[:300])
    with capsys.disabled():
        print(f"\nhostile sweep as {role}: {sum(statuses.values())} requests, "
              f"{statuses[5]} server errors; by class {dict(sorted(statuses.items()))}")
