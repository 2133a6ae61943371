"""API errors: a stable ``code``, ``details`` and the HTTP status.

Errors from the other layers (tickets, ACD, configuration) carry ``code``
and ``details`` too; ``status_for`` maps them by the code's last part, so a
new error in those layers needs no change here.
"""

from __future__ import annotations

import re
from typing import Any

# Our layers' codes: dotted lower-case words ("ticket.not_found").  Library
# exceptions may carry a ``code`` too (SQLAlchemy's "e3q8"); those are not
# ours, and their messages (SQL, paths) must not reach a client.
_OUR_CODE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str = "", **details: Any) -> None:
        super().__init__(message or code)
        self.status, self.code, self.details = status, code, details

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": str(self), "details": self.details}


_BY_SUFFIX = {
    "not_found": 404, "unknown": 404, "forbidden": 403, "unauthorized": 401,
    "illegal_transition": 409, "conflict": 409, "exists": 409, "busy": 409,
    "not_logged_in": 409, "no_call": 409, "unavailable": 503,
}


def status_for(code: str) -> int:
    last = code.rsplit(".", 1)[-1]
    for suffix, status in _BY_SUFFIX.items():
        if last == suffix or last.endswith("_" + suffix):
            return status
    return 422


def is_domain_error(e: Exception) -> bool:
    return isinstance(getattr(e, "code", None), str) and bool(_OUR_CODE.fullmatch(e.code))


def from_domain(e: Exception) -> ApiError:
    """An ApiError for any exception carrying ``code`` (and maybe ``details``)."""
    code = str(e.code)
    details = getattr(e, "details", None) or {}
    if not isinstance(details, dict):
        details = {"detail": details}
    return ApiError(status_for(code), code, str(e), **_jsonable(details))


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in d.items():
        out[str(k)] = v if isinstance(v, str | int | float | bool | type(None) | list | dict) \
            else str(v)
    return out
