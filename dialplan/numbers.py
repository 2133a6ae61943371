"""Caller and service numbers: every form a Serbian carrier sends, to E.164.

Carriers deliver the calling number as ``0214807900``, ``214807900``,
``+381214807900``, ``00381214807900``, ``381214807900`` or ``064 123 4567``,
with or without spaces and dashes.  ``normalise`` turns each into E.164 with
``phonenumbers``; ``classify`` says where the caller is (the 021 area, another
Serbian area, a mobile network, abroad), which is what the number rules need.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

import phonenumbers

REGION = "RS"
SERBIA = 381
Kind = Literal["fixed", "mobile", "foreign", "special", "unknown"]

_ANONYMOUS = {"", "anonymous", "unknown", "restricted", "private", "unavailable", "withheld"}


@dataclass(frozen=True)
class Caller:
    raw: str | None
    e164: str | None
    kind: Kind
    area: str | None  # "021" for a fixed line in Novi Sad; None when not a Serbian fixed line

    @property
    def known(self) -> bool:
        return self.e164 is not None


# Pure and asked about the same numbers over and over (the service numbers on
# every call, citizens calling again): parsed once each, within a bound.
@functools.lru_cache(maxsize=65_536)
def normalise(raw: str | None) -> str | None:
    """E.164 of a number in any carrier form, or None (anonymous, garbled)."""
    if raw is None:
        return None
    text = "".join(ch for ch in raw.strip() if ch not in " -./()\t")
    if text.lower() in _ANONYMOUS:
        return None
    if not text.lstrip("+").isdigit():
        return None
    # "38121..." without + or 00: the carrier dropped the international prefix.
    if text.startswith(str(SERBIA)) and len(text) >= 11:
        text = "+" + text
    try:
        num = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return None
    # Valid, not merely possible: a 7-digit local number without its area
    # code would otherwise pass as some other area's number.
    if not phonenumbers.is_valid_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=65_536)
def classify(raw: str | None) -> Caller:
    """Where a caller is, for the number rules."""
    e164 = normalise(raw)
    if e164 is None:
        return Caller(raw, None, "unknown", None)
    num = phonenumbers.parse(e164)
    if num.country_code != SERBIA:
        return Caller(raw, e164, "foreign", None)
    national = str(num.national_number)
    ntype = phonenumbers.number_type(num)
    if national.startswith("6") or ntype == phonenumbers.PhoneNumberType.MOBILE:
        return Caller(raw, e164, "mobile", None)
    if national.startswith(("7", "8", "9")):  # 0800 free, 090x premium, 07x special services
        return Caller(raw, e164, "special", None)
    length = phonenumbers.length_of_geographical_area_code(num) or 2
    return Caller(raw, e164, "fixed", "0" + national[:length])


def allowed(caller: Caller, callers: tuple[str, ...]) -> bool:
    """Whether a known caller matches one of a number's caller rules.

    Rules: ``any``; ``mobile`` (Serbian mobile networks); ``foreign``;
    ``fixed`` (any Serbian fixed line); an area code such as ``021``.
    """
    for rule in callers:
        if rule == "any":
            return True
        if rule == caller.kind:
            return True
        if caller.kind == "fixed" and rule == caller.area:
            return True
    return False


def display(e164: str) -> str:
    """A number the way Serbs write it: 021 4807900, 0800 021021."""
    num = phonenumbers.parse(e164)
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
