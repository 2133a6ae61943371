"""The ``deadlines:`` section: response and resolution times in working
hours, a ``default`` and per department (by id) a ``default`` and per kind.

    deadlines:
      default: {response: 8, resolution: 40}
      vodovod:
        default: {response: 4, resolution: 24}
        complaint: {response: 2, resolution: 16}
"""

from __future__ import annotations

from types import MappingProxyType

from yaml.nodes import Node

from dialplan.deadlines import Deadline, Deadlines
from dialplan.departments import KINDS, Department
from dialplan.model import Hours
from dialplan.yaml_nodes import Reader

MAX_HOURS = 2000.0  # about a working year


def _deadline(r: Reader, node: Node, what: str) -> Deadline | None:
    m = r.mapping(node, what, ("response", "resolution"), required=("response", "resolution"))
    if "response" not in m or "resolution" not in m:
        return None
    vals = []
    for key in ("response", "resolution"):
        n = r.number(m[key][1], f"{what}: {key} (working hours)")
        if n is None:
            return None
        if n <= 0 or n > MAX_HOURS:
            r.err(m[key][1], f"{what}: {key} {n:g} must be more than 0 and at most "
                             f"{MAX_HOURS:g} working hours", "config.deadline_range",
                  what=what, key=key, value=f"{n:g}", max=f"{MAX_HOURS:g}")
            return None
        vals.append(n)
    if vals[1] < vals[0]:
        r.err(m["resolution"][1], f"{what}: resolution {vals[1]:g} is shorter than "
                                  f"response {vals[0]:g}", "config.deadline_order",
              what=what, resolution=f"{vals[1]:g}", response=f"{vals[0]:g}")
        return None
    return Deadline(vals[0], vals[1])


def read_deadlines(r: Reader, node: Node, departments: tuple[Department, ...],
                   hours: Hours | None) -> Deadlines:
    known = {d.id: d for d in departments}
    default: Deadline | None = None
    per: dict[str, MappingProxyType[str, Deadline]] = {}
    for key, (knode, vnode) in r.mapping(node, "deadlines").items():
        if key == "default":
            default = _deadline(r, vnode, "deadlines.default")
            continue
        dep = known.get(key)
        if dep is None:
            r.err(knode, f"deadlines: {key!r} is not a department id (nor default)",
                  "config.deadline_department", department=key)
            continue
        kinds: dict[str, Deadline] = {}
        for kind, (kk, kv) in r.mapping(vnode, f"deadlines.{key}").items():
            if kind != "default" and kind not in KINDS:
                r.err(kk, f"deadlines.{key}: {kind!r} is not a kind "
                          f"({', '.join(KINDS)}, or default)", "config.deadline_kind",
                      department=key, kind=kind, known=", ".join(KINDS))
                continue
            if kind != "default" and kind not in dep.kinds:
                r.err(kk, f"deadlines.{key}: department {key} does not take {kind} tickets",
                      "config.deadline_kind_not_taken", department=key, kind=kind)
                continue
            d = _deadline(r, kv, f"deadlines.{key}.{kind}")
            if d is not None:
                kinds[kind] = d
        per[key] = MappingProxyType(kinds)
    if hours is not None and not any(hours.weekly):
        r.err(node, "deadlines: the weekly hours have no working day, a deadline never runs",
              "config.deadline_no_working_day")
    return Deadlines(default, MappingProxyType(per))
