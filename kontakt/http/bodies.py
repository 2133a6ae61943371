"""JSON request bodies read within limits, so bad input is a 400 with a
stable code and never a 500 further down:

* ``request.too_large`` (413): over ``MAX_BODY`` bytes;
* ``request.bad_unicode``: not UTF-8, or a lone surrogate escape such as
  ``"\\ud800"`` (valid JSON, but no character: the database driver would
  fail on it);
* ``request.too_deep``: nested deeper than ``MAX_DEPTH`` (the API's bodies
  are flat objects; ``json`` recurses once per level);
* ``request.number_too_large``: a number with more than ``MAX_DIGITS``
  digits, or one that is not finite (``1e999``, ``NaN``);
* ``request.bad_json``: anything else that is not JSON.

Messages are our own words; nothing from the parser reaches the client.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from kontakt.http.errors import ApiError

MAX_BODY = 64 * 1024
MAX_DEPTH = 16
MAX_DIGITS = 20
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_json(raw: bytes) -> Any:
    if len(raw) > MAX_BODY:
        raise ApiError(413, "request.too_large", f"body over {MAX_BODY} bytes", limit=MAX_BODY)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ApiError(400, "request.bad_unicode", "body is not UTF-8", offset=e.start) from None
    _check_depth(raw)
    try:
        value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except ApiError:
        raise
    except (ValueError, RecursionError):
        raise ApiError(400, "request.bad_json", "body is not JSON") from None
    _check_text(value, "body")
    return value


def _check_depth(raw: bytes) -> None:
    # Strings may hold brackets: drop them first, then count what is left.
    depth = 0
    for m in _BRACKETS.finditer(_STRINGS.sub(b'""', raw)):
        depth += 1 if m.group() in (b"[", b"{") else -1
        if depth > MAX_DEPTH:
            raise ApiError(400, "request.too_deep", f"body nested deeper than {MAX_DEPTH}",
                           limit=MAX_DEPTH)


def _int(s: str) -> int:
    if len(s.lstrip("-")) > MAX_DIGITS:
        raise ApiError(400, "request.number_too_large",
                       f"numbers have at most {MAX_DIGITS} digits", limit=MAX_DIGITS)
    return int(s)


def _float(s: str) -> float:
    if len(s) > MAX_DIGITS + 8:
        raise ApiError(400, "request.number_too_large",
                       f"numbers have at most {MAX_DIGITS} digits", limit=MAX_DIGITS)
    v = float(s)
    if not math.isfinite(v):
        raise ApiError(400, "request.number_too_large", "numbers must be finite")
    return v


def _constant(s: str) -> float:
    raise ApiError(400, "request.number_too_large", f"{s} is not a JSON number")


def _check_text(value: Any, where: str) -> None:
    """Every string and key is real Unicode (no lone surrogates)."""
    stack = [(value, where)]
    while stack:
        v, at = stack.pop()
        if isinstance(v, str):
            if _SURROGATE.search(v):
                raise ApiError(400, "request.bad_unicode",
                               f"{at}: a lone surrogate is not a character", field=at)
        elif isinstance(v, dict):
            for k, x in v.items():
                if _SURROGATE.search(k):  # before its path is put into a message
                    raise ApiError(400, "request.bad_unicode",
                                   f"{at}: a key with a lone surrogate", field=at)
                stack.append((x, f"{at}.{k}"[:200]))
        elif isinstance(v, list):
            stack.extend((x, f"{at}[{i}]") for i, x in enumerate(v))


def has_surrogate(s: str) -> bool:
    return bool(_SURROGATE.search(s))
