"""Deadlines (рокови): per department and kind of ticket, a response time
(the department takes the ticket up) and a resolution time, both in working
hours on the city's calendar (``dialplan.workclock``).

Looked up most specific first: the department's entry for the kind, the
department's ``default``, the section's ``default``; none: the ticket has no
deadline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Deadline:
    response_hours: float
    resolution_hours: float

    @property
    def response_seconds(self) -> float:
        return self.response_hours * 3600.0

    @property
    def resolution_seconds(self) -> float:
        return self.resolution_hours * 3600.0


@dataclass(frozen=True)
class Deadlines:
    default: Deadline | None = None
    # department id -> kind (or "default") -> deadline
    departments: Mapping[str, Mapping[str, Deadline]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False)

    def for_ticket(self, department: str | None, kind: str) -> Deadline | None:
        dep = self.departments.get(department or "", {})
        return dep.get(kind) or dep.get("default") or self.default

    def scaled(self, factor: float) -> Deadlines:
        """The same deadlines ``factor`` times as long (the demo's compressed day)."""
        def s(d: Deadline) -> Deadline:
            return Deadline(d.response_hours * factor, d.resolution_hours * factor)

        return Deadlines(None if self.default is None else s(self.default), MappingProxyType({
            dep: MappingProxyType({k: s(v) for k, v in kinds.items()})
            for dep, kinds in self.departments.items()}))
