"""Where the login page may send a user afterwards: a path on this site,
nothing else.

``next`` is decoded (up to three stacked layers of percent-encoding), then
must be a plain path of ASCII letters, digits and ``/ _ . ~ -`` (with an
optional query of the same and ``= &``).  That alone rules out schemes
(``javascript:``, ``https:``), backslashes (``/\\evil``, which browsers
read as ``//evil``), control characters and whitespace (browsers drop tabs
and newlines, so ``/\\t/evil`` becomes ``//evil``), ``@``, and look-alike
Unicode slashes.  Empty and dot segments are then removed, so ``//evil``
and ``/.//evil`` become ``/evil``, a path on this site.  Anything refused
becomes ``/``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

_SAFE = re.compile(r"/[A-Za-z0-9/_.~-]*(\?[A-Za-z0-9=&_.~-]*)?")
LAYERS = 3


def safe_next(raw: str | None) -> str:
    if not raw:
        return "/"
    text = raw
    for _ in range(LAYERS):  # a "%" left after these fails _SAFE below
        try:
            decoded = unquote(text, errors="strict")
        except UnicodeDecodeError:
            return "/"
        if decoded == text:
            break
        text = decoded
    if not _SAFE.fullmatch(text):
        return "/"
    path, _, query = text.partition("?")
    parts: list[str] = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if parts:
                parts.pop()
            continue
        parts.append(seg)
    return "/" + "/".join(parts) + (f"?{query}" if query else "")

