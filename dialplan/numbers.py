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
    num = _parse(raw)
    return None if num is None else _e164(num)


def _parse(raw: str | None) -> phonenumbers.PhoneNumber | None:
    """The valid number a carrier's form stands for, or None."""
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
    return num


def _e164(num: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=65_536)
def classify(raw: str | None) -> Caller:
    """Where a caller is, for the number rules."""
    num = _parse(raw)  # parsed once: not again from its E.164
    if num is None:
        return Caller(raw, None, "unknown", None)
    e164 = _e164(num)
    if num.country_code != SERBIA:
        return Caller(raw, e164, "foreign", None)
    national = str(num.national_number)
    if national.startswith("6"):
        return Caller(raw, e164, "mobile", None)
    kind, length = _serbian_shape(national, num)
    return Caller(raw, e164, kind, "0" + national[:length] if kind == "fixed" else None)


# (first four digits, length) of a Serbian national number -> (kind, area code
# length).  Every pattern of phonenumbers' RS metadata (number types, formats)
# is a prefix of at most four digits and a digit count, so numbers of the same
# shape classify alike; phonenumbers' type and area-code look-ups cost ~25 us
# per number, citizens mostly call once (the classify cache rarely hits).
_SHAPES: dict[tuple[str, int], tuple[Kind, int]] = {}


def _serbian_shape(national: str, num: phonenumbers.PhoneNumber) -> tuple[Kind, int]:
    key = (national[:4], len(national))  # bounded: 10^4 prefixes x 7 valid lengths
    shape = _SHAPES.get(key)
    if shape is None:
        shape = _SHAPES[key] = _shape_of(national, num)
    return shape


def _shape_of(national: str, num: phonenumbers.PhoneNumber) -> tuple[Kind, int]:
    if phonenumbers.number_type(num) == phonenumbers.PhoneNumberType.MOBILE:
        return "mobile", 0
    if national.startswith(("7", "8", "9")):  # 0800 free, 090x premium, 07x special services
        return "special", 0
    return "fixed", phonenumbers.length_of_geographical_area_code(num) or 2


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
