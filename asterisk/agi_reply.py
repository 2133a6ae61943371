"""One AGI reply line, parsed: what panoramisk's ``parse_agi_result`` made of
it, without its general-purpose regular expressions (this runs for every
command of every call).  Pure: no I/O.

Asterisk answers a command with ``200 result=N [(data)] [key=value ...]``;
``HANGUP`` (the channel went away), ``100 result=0 Trying...`` (a reply
follows), ``510``/``511`` (unknown, or not on a dead channel) or
``520-...`` (a usage text follows, up to a line ``520 End of proper
usage.``).  The dicts are the ones panoramisk returned, which the handlers
read: ``{"status_code": 200, "result": (value, data), "msg": ""}``, or
``{"error": ..., "msg": ...}``.
"""

from __future__ import annotations

from typing import Any

HANGUP = {"error": "AGIResultHangup", "msg": "User hungup during execution"}
APP_ERROR = {"error": "AGIAppError", "msg": "Error executing application, or hangup"}
TRYING, OK, USAGE = 100, 200, 520


def status(line: str) -> tuple[int, str]:
    """The reply's status code and the rest of the line; ValueError when the
    line has no code (not AGI)."""
    if line[:3].isdigit() and line[3:4] in ("", " ", "-"):  # all Asterisk sends
        return int(line[:3]), line[3:]
    n = len(line) - len(line.lstrip("0123456789"))  # as panoramisk: the leading digits
    return int(line[:n]), line[n:]


def parse(line: str) -> dict[str, Any]:
    """A reply line (no newline) as panoramisk parsed it.  Raises ValueError
    for a line without a status code."""
    if line == "HANGUP":
        return dict(HANGUP)
    code, rest = status(line)
    if code != OK:
        return {"status_code": code, "result": ("", ""), "msg": line}
    return _ok(rest.lstrip())


def _ok(rest: str) -> dict[str, Any]:
    """``result=N (data) key=value ...`` after a 200.  A value is the text up
    to a blank; its data what stands in brackets after it, to the last ``)``
    (panoramisk's greedy match)."""
    out: dict[str, Any] = {"status_code": OK, "result": ("", ""), "msg": ""}
    while rest:
        key, eq, after = rest.partition("=")
        if not eq or not key or not key.replace("_", "a").isalnum():
            break  # no further key=value pair panoramisk would have found
        value, _, rest = after.partition(" ")
        value = value.rstrip("\r")
        if not value:
            break
        rest, data = _data(rest.lstrip())
        if data == "hangup":
            return dict(HANGUP)
        if key == "result" and value == "-1":
            return dict(APP_ERROR)
        out[key] = (value, data)
    return out


def _data(rest: str) -> tuple[str, str]:
    """The bracketed data at the start of ``rest`` (and what follows it)."""
    if not rest.startswith("("):
        return rest, ""
    close = rest.rfind(")")
    if close < 0:
        return rest, ""
    return rest[close + 1:].lstrip(), rest[1:close]
