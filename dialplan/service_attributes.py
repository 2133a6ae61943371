"""Service attributes: the extra questions a department asks about a request
(Open311 GeoReport v2 ``service_definition``), from the ``attributes:`` of a
department in the configuration.

    attributes:
      - code: vrsta
        description: "Шта треба очистити?"
        datatype: singlevaluelist
        required: true
        values: [{key: kontejner, name: "Пун контејнер"}, ...]

``answer()`` checks what a citizen sent for one attribute and returns the
value to keep (a clear error otherwise); pure, no HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})?)?$")
MAX_ANSWER = 500


class ServiceAttributeError(ValueError):
    """A bad attribute definition or answer; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class AttributeValue:
    key: str
    name: str


@dataclass(frozen=True)
class ServiceAttribute:
    code: str
    description: str
    datatype: str = "string"
    required: bool = False
    order: int = 1
    datatype_description: str = ""
    variable: bool = True
    values: tuple[AttributeValue, ...] = ()

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], order: int, owner: str) -> ServiceAttribute:
        code = str(raw.get("code") or "")
        where = f"department {owner!r} attribute {code or order!r}"
        if not _CODE.match(code):
            raise ServiceAttributeError("attribute.bad_code",
                                        f"{where}: code must be a-z, 0-9, _ or -")
        if not raw.get("description"):
            raise ServiceAttributeError("attribute.no_description", f"{where}: missing description")
        datatype = str(raw.get("datatype") or "string")
        if datatype not in DATATYPES:
            raise ServiceAttributeError("attribute.bad_datatype",
                                  f"{where}: datatype must be one of {', '.join(DATATYPES)}")
        values = tuple(AttributeValue(str(v["key"]), str(v.get("name") or v["key"]))
                       for v in raw.get("values") or () if isinstance(v, Mapping) and "key" in v)
        if datatype.endswith("valuelist") and not values:
            raise ServiceAttributeError("attribute.no_values", f"{where}: a list needs values")
        return cls(code=code, description=str(raw["description"]), datatype=datatype,
                   required=bool(raw.get("required", False)), order=int(raw.get("order", order)),
                   datatype_description=str(raw.get("datatype_description") or ""),
                   variable=bool(raw.get("variable", True)), values=values)

    def answer(self, given: Sequence[str]) -> str | None:
        """The kept answer for what was sent (``given`` empty when nothing was)."""
        given = [g.strip() for g in given if g.strip()]
        if not given:
            if self.required and self.variable:
                raise ServiceAttributeError("attribute.required",
                                            f"attribute[{self.code}] is required")
            return None
        if any(len(g) > MAX_ANSWER for g in given):
            raise ServiceAttributeError("attribute.too_long",
                                  f"attribute[{self.code}]: at most {MAX_ANSWER} characters")
        keys = {v.key: v.name for v in self.values}
        if self.datatype == "multivaluelist":
            bad = [g for g in given if g not in keys]
            if bad:
                raise ServiceAttributeError("attribute.bad_value",
                                      f"attribute[{self.code}]: unknown value {bad[0]!r}")
            return ", ".join(keys[g] for g in dict.fromkeys(given))
        if len(given) > 1:
            raise ServiceAttributeError("attribute.one_value", f"attribute[{self.code}]: one value")
        value = given[0]
        if self.datatype == "singlevaluelist":
            if value not in keys:
                raise ServiceAttributeError("attribute.bad_value",
                                      f"attribute[{self.code}]: unknown value {value!r}")
            return keys[value]
        if self.datatype == "number":
            try:
                float(value)
            except ValueError:
                raise ServiceAttributeError("attribute.not_number",
                                      f"attribute[{self.code}]: must be a number") from None
        if self.datatype == "datetime" and not _DATETIME.match(value):
            raise ServiceAttributeError("attribute.not_datetime",
                                  f"attribute[{self.code}]: must be an ISO 8601 date/time")
        return value


def parse_attributes(items: Any, owner: str) -> tuple[ServiceAttribute, ...]:
    if not items:
        return ()
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise ServiceAttributeError("attribute.not_list",
                                    f"department {owner!r}: attributes is a list")
    out = tuple(ServiceAttribute.from_mapping(a if isinstance(a, Mapping) else {}, i + 1, owner)
                for i, a in enumerate(items))
    codes = [a.code for a in out]
    if len(set(codes)) != len(codes):
        raise ServiceAttributeError("attribute.twice",
                                    f"department {owner!r}: an attribute code twice")
    return tuple(sorted(out, key=lambda a: a.order))
