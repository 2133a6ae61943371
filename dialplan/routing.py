"""Admission: whether a call is taken, before any menu.

``admit`` decides, from the dialled number, the caller's number and the
moment, whether the call is taken (open), told the hours (closed) or refused.
The IVR (``ivr.engine``) starts every call with it; walking the menus is the
IVR's (``ivr.walk.route`` for `kontakt route`).  Pure: no I/O, the clock is
an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from dialplan.calendar import Verdict, check
from dialplan.model import Config, ServiceNumber
from dialplan.numbers import Caller, allowed, classify, display, normalise

Gate = Literal["open", "closed", "refused", "unknown_number"]


@dataclass(frozen=True)
class Admission:
    gate: Gate
    reason: str
    number: ServiceNumber | None
    dialled: str                 # E.164 of the dialled number when it parses, else as dialled
    caller: Caller
    hours: Verdict | None


def service_number(config: Config, dialled: str) -> tuple[str, ServiceNumber | None]:
    """The service number a dialled string means (E.164 or a trunk's short DID)."""
    e164 = normalise(dialled)
    if e164 is not None and (n := config.number(e164)) is not None:
        return e164, n
    digits = "".join(ch for ch in dialled if ch.isdigit())
    if len(digits) >= 6:  # a trunk delivering only the last digits of the DID
        for n in config.numbers:
            if n.e164.endswith(digits):
                return n.e164, n
    return e164 or dialled, None


def admit(config: Config, *, to_number: str, from_number: str | None, at: datetime) -> Admission:
    """Number rules first (a refused caller is refused at any hour), then the hours."""
    dialled, number = service_number(config, to_number)
    caller = classify(from_number)
    if number is None:
        return Admission("unknown_number", f"{to_number} is not a service number of this "
                         "configuration", None, dialled, caller, None)
    refusal = _refusal(number, caller)
    if refusal:
        return Admission("refused", refusal, number, dialled, caller, None)
    verdict = check(config.hours, at, config.timezone)
    return Admission("open" if verdict.open else "closed", verdict.reason, number, dialled,
                     caller, verdict)


def _refusal(number: ServiceNumber, caller: Caller) -> str:
    """Why a caller may not use a number ('' when it may)."""
    if "any" in number.callers:
        return ""
    rules = ", ".join(number.callers)
    if not caller.known:
        if number.unknown_caller == "accept":
            return ""
        who = "an anonymous caller" if not (caller.raw or "").strip() else \
            f"caller {caller.raw!r} (not a phone number)"
        return (f"refused: {who} is treated as outside the allowed callers ({rules}) of "
                f"{display(number.e164)}. {number.refusal_reason}").strip()
    if allowed(caller, number.callers):
        return ""
    where = {"mobile": "a mobile network", "foreign": "abroad", "special": "a special number",
             "fixed": f"area {caller.area}"}.get(caller.kind, caller.kind)
    return (f"refused: {display(number.e164)} takes only {rules}; the caller is from "
            f"{where}. {number.refusal_reason}").strip()
