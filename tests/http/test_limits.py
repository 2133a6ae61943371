"""Bad input never reaches a 500: invalid Unicode, nesting depth, number
sizes, YAML depth and size are answered 400 with a stable code, in the API,
Open311 and the configuration editor."""

from __future__ import annotations

import pytest
from http_helpers import bearer, login

from dialplan.yaml_limits import MAX_ALIASES, MAX_DEPTH, shape_problem
from kontakt.http.bodies import parse_json
from kontakt.http.errors import ApiError

TICKET = b'{"kind": "complaint", "department": "vodovod", "subject": %s}'
BAD_BODIES = [  # (body, code)
    (TICKET % b'"\\ud800"', "request.bad_unicode"),  # a lone surrogate escape
    (TICKET % b'"ok \\udfff ok"', "request.bad_unicode"),
    (b'{"kind": "complaint", "\\ud83d": 1}', "request.bad_unicode"),  # in a key
    (TICKET % b'"\xff\xfe"', "request.bad_unicode"),  # not UTF-8 at all
    (TICKET % b'"\xed\xa0\x80"', "request.bad_unicode"),  # a surrogate encoded in UTF-8
    (b"[" * 5000 + b"]" * 5000, "request.too_deep"),
    (b'{"a":' * 2000 + b"1" + b"}" * 2000, "request.too_deep"),
    (b"[" * 30000, "request.too_deep"),  # and never closed
    (TICKET % (b"1" * 5000), "request.number_too_large"),  # int() refuses > 4300 digits
    (TICKET % (b"1" * 30), "request.number_too_large"),
    (TICKET % b"1e999", "request.number_too_large"),  # float('inf')
    (TICKET % b"NaN", "request.number_too_large"),
    (TICKET % b"-Infinity", "request.number_too_large"),
    (b'{"subject": "x"', "request.bad_json"),
    (b"\xef\xbb\xbf{}", "request.bad_json"),  # a BOM: not JSON
]


def test_parse_json_codes():
    for raw, code in BAD_BODIES:
        with pytest.raises(ApiError) as e:
            parse_json(raw)
        assert (e.value.status, e.value.code) == (400, code), raw[:40]
        assert "Exceeds" not in str(e.value) and "line 1" not in str(e.value)
    # Brackets inside strings do not count as nesting.
    assert parse_json(b'{"subject": "' + b"[" * 500 + b'"}') == {"subject": "[" * 500}
    assert parse_json('{"a": "Ђурђевак 🌼"}'.encode()) == {"a": "Ђурђевак 🌼"}
    assert parse_json(b'{"a": "\\ud83c\\udf3c"}') == {"a": "🌼"}  # a real pair is fine


async def test_the_api_answers_bad_bodies_with_400(client):
    headers = {**bearer(await login(client, "agent01")), "content-type": "application/json"}
    for raw, code in BAD_BODIES:
        r = await client.post("/api/tickets", content=raw, headers=headers)
        assert r.status_code == 400, (raw[:40], r.text)
        assert r.json()["error"] == code
    r = await client.post("/api/tickets", content=b"{" + b" " * 70000 + b"}", headers=headers)
    assert r.status_code == 413 and r.json()["error"] == "request.too_large"
    found = await client.get("/api/tickets", headers=headers)
    assert found.json()["tickets"] == []  # nothing half-written


async def test_query_and_path_bytes_that_are_not_utf8(client):
    h = bearer(await login(client, "agent01"))
    for url in ("/api/tickets?text=%ED%A0%80", "/api/tickets?text=%ff%fe",
                "/api/tickets/%ED%A0%80", "/api/tickets/%ff/history",
                "/api/tickets?phone=%00", "/api/tickets?limit=1" + "0" * 5000):
        r = await client.get(url, headers=h)
        assert r.status_code in (200, 404, 422), (url, r.text)


def test_yaml_shapes_over_the_limits():
    deep = "a: " + "[" * 5000 + "]" * 5000
    assert shape_problem(deep).code == "config.too_deep"
    assert shape_problem("{" * 3000).code == "config.too_deep"  # never closed
    block = "\n".join("  " * i + f"k{i}:" for i in range(MAX_DEPTH + 5))
    assert shape_problem(block).code == "config.too_deep"
    aliases = "a: &a [1]\n" + "".join(f"b{i}: *a\n" for i in range(MAX_ALIASES + 1))
    assert shape_problem(aliases).code == "config.too_many_aliases"
    # "Billion laughs": nine levels of ten aliases each stand for 10^9 nodes.
    laughs = "l0: &l0 [lol]\n" + "".join(
        f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 10))
    assert shape_problem(laughs).code == "config.too_many_aliases"
    assert shape_problem("a: 1\n---\nb: 2\n").code == "config.many_documents"
    assert shape_problem("x" * (300 * 1024)).code == "config.too_large"
    assert shape_problem("a: [1, 2\n") is None  # a syntax error: the loader reports its line


async def test_the_configuration_editor_answers_400_for_texts_over_the_limits(client):
    adm = bearer(await login(client, "adm"))
    for text, code in (("a: " + "[" * 3000, "config.too_deep"),
                       ("{" * 3000, "config.too_deep"),
                       ("a: &a [1]\n" + "".join(f"b{i}: *a\n" for i in range(30)),
                        "config.too_many_aliases")):
        for op in ("validate", "apply"):
            r = await client.post(f"/api/config/{op}", headers=adm, json={"text": text})
            assert r.status_code == 400, (op, r.text)
            assert r.json()["error"] == code
    r = await client.post("/api/config/validate", headers=adm, json={"text": "hours: [\n"})
    problem = r.json()["problems"][0]
    assert "/" not in problem["file"]  # the file's name, not the server's path


async def test_open311_bad_forms(client):
    cases = [
        (b"service_code=vodovod&description=%00&address_string=x", 400),
        (b"service_code=vodovod&description=%ED%A0%80&address_string=x", 201),  # U+FFFD
        (b"service_code=vodovod&description=" + b"x" * 5000 + b"&address_string=x", 400),
        (b"service_code=vodovod&description=x&lat=1e999&long=1", 400),
        (b"service_code=vodovod&description=x&lat=nan&long=nan", 400),
        (b"%ff%fe=1&service_code=vodovod", 400),
    ]
    for body, status in cases:
        r = await client.post("/open311/v2/requests.json", content=body,
                              headers={"content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == status, (body[:50], r.text)
        assert isinstance(r.json(), list) and ("code" in r.json()[0]) == (status >= 400)
    r = await client.post("/open311/v2/requests.json", content=b"--x\r\nbroken",
                          headers={"content-type": "multipart/form-data; boundary=x"})
    assert r.status_code in (400, 404) and r.json()[0]["code"] == r.status_code
