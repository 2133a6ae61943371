"""No open redirect: the login page's ``next`` is a path on this site after
normalisation, whatever encoding or trick it arrives in."""

from __future__ import annotations

import json
import re

import pytest

from kontakt.http.redirect import safe_next

# Known bypass forms (OWASP's and PortSwigger's open-redirect lists, and the
# ways browsers themselves rewrite URLs: backslashes to slashes, tabs and
# newlines dropped, percent-decoding).
BYPASSES = [
    "//evil.example", "///evil.example", "////evil.example", "/\\evil.example",
    "\\\\evil.example", "\\/evil.example", "/\\/evil.example", "https://evil.example",
    "http:evil.example", "https:/evil.example", "HTTPS://evil.example", "javascript:alert(1)",
    "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", "evil.example",
    "@evil.example", "/@evil.example", "/%2F/evil.example", "%2F%2Fevil.example",
    "%252F%252Fevil.example", "%25252F%25252Fevil.example", "%2525252F%2525252Fevil.example",
    "/%5Cevil.example", "/%5C%5Cevil.example", "%5C%5Cevil.example", "/\t/evil.example",
    "/\n/evil.example", "/\r\n/evil.example", "/%09/evil.example", "/%0a/evil.example",
    "/%0d%0a/evil.example", " //evil.example", "\x00//evil.example", "/%00/evil.example",
    "/.//evil.example", "/./../..//evil.example", "／／evil.example", "/。evil.example",
    "/\u2215\u2215evil.example", "/%E2%80%AE//elpmaxe.live", "/%ff", "/x#//evil.example",
    "/x?next=//evil.example", "//evil.example/%2F..", "/ /evil.example", "/;//evil.example",
]


@pytest.mark.parametrize("raw", BYPASSES)
def test_bypass_forms_stay_on_this_site(raw):
    got = safe_next(raw)
    assert got.startswith("/") and not got.startswith("//"), (raw, got)
    assert re.fullmatch(r"/[A-Za-z0-9/_.~-]*(\?[A-Za-z0-9=&_.~-]*)?", got), (raw, got)
    assert "\\" not in got and ":" not in got and "@" not in got


def test_pages_and_their_queries_are_kept():
    assert safe_next("/agent") == "/agent"
    assert safe_next("/wallboard?lang=en") == "/wallboard?lang=en"
    assert safe_next("%2Fdepartment") == "/department"
    assert safe_next("/admin/") == "/admin"
    for empty in (None, "", "/"):
        assert safe_next(empty) == "/"


async def test_the_login_page_hands_its_script_only_the_checked_path(client):
    for raw, want in (("//evil.example", "/evil.example"), ("https://evil.example", "/"),
                      ("/agent", "/agent"), ("/\\evil.example", "/")):
        r = await client.get("/login", params={"next": raw})
        boot = json.loads(re.search(r'id="boot" type="application/json">(.*?)</script>',
                                    r.text, re.S).group(1))
        assert boot["next"] == want, raw


async def test_a_page_sends_to_login_with_its_own_path_encoded(client):
    r = await client.get("/wallboard")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/wallboard"
