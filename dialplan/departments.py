"""Departments (јавни сервиси): city administrations, services and public
utility companies that tickets are forwarded to and calls transferred to.

One source of truth: the ``departments:`` section of the dialplan
configuration.  This module holds the value type and its parsing; the
shipped default catalogue is the ``departments:`` section of the shipped
default configuration, ``default.yaml`` beside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from dialplan.service_attributes import ServiceAttribute, ServiceAttributeError, parse_attributes

KINDS = ("complaint", "request", "suggestion", "information", "callback")
_ID = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class DepartmentError(ValueError):
    pass


@dataclass(frozen=True)
class Department:
    id: str
    name: str  # Serbian (Cyrillic), as the city writes it
    name_en: str
    number: str  # transfer number, E.164
    kinds: tuple[str, ...] = KINDS
    example_number: bool = False  # shipped numbers are examples to replace
    email: str | None = None
    aliases: tuple[str, ...] = field(default=())
    # Open311 service_definition: the questions asked about a request
    attributes: tuple[ServiceAttribute, ...] = field(default=())

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> Department:
        for key in ("id", "name", "number"):
            if not raw.get(key):
                raise DepartmentError(f"department {raw.get('id', '?')!r}: missing {key}")
        if not _ID.match(str(raw["id"])):
            raise DepartmentError(f"department id {raw['id']!r}: use a-z, 0-9 and '-'")
        number = str(raw["number"]).replace(" ", "").replace("-", "")
        if not _E164.match(number):
            raise DepartmentError(
                f"department {raw['id']!r}: number {raw['number']!r} is not E.164 (+381...)"
            )
        kinds = tuple(raw.get("kinds") or KINDS)
        bad = [k for k in kinds if k not in KINDS]
        if bad:
            raise DepartmentError(f"department {raw['id']!r}: unknown kinds {bad}")
        try:
            attributes = parse_attributes(raw.get("attributes"), str(raw["id"]))
        except ServiceAttributeError as e:
            raise DepartmentError(str(e)) from None
        return cls(
            id=str(raw["id"]),
            name=str(raw["name"]),
            name_en=str(raw.get("name_en") or raw["name"]),
            number=number,
            kinds=kinds,
            example_number=bool(raw.get("example_number", False)),
            email=raw.get("email"),
            aliases=tuple(raw.get("aliases") or ()),
            attributes=attributes,
        )


def parse_departments(items: Iterable[Mapping[str, Any]]) -> tuple[Department, ...]:
    out = tuple(Department.from_mapping(i) for i in items)
    seen: set[str] = set()
    for d in out:
        if d.id in seen:
            raise DepartmentError(f"department id {d.id!r} appears twice")
        seen.add(d.id)
    return out


def default_departments() -> tuple[Department, ...]:
    """The catalogue of the shipped default configuration (``default.yaml``)."""
    text = resources.files(__package__).joinpath("default.yaml").read_text("utf-8")
    return parse_departments(yaml.safe_load(text)["departments"])
