"""The ``ivr:`` section: the menus, their options, and the checks across
them (the start menu and every target exist, every menu is reachable)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from yaml.nodes import MappingNode, Node, ScalarNode

from dialplan.model import Ivr, Menu, MenuOption
from dialplan.read_sections import ID
from dialplan.yaml_nodes import Reader, line_of

_DIGIT = re.compile(r"^[0-9*#]$")


def read_ivr(r: Reader, node: Node, uses: list[tuple[str, Node]]) -> Ivr | None:
    m = r.mapping(node, "ivr", ("start", "timeout", "retries", "status_digits", "menus"),
                  required=("start", "menus"))
    if "menus" not in m or "start" not in m:
        return None
    menus: list[Menu] = []
    targets: list[tuple[str, Node]] = []
    for mid, (knode, vnode) in r.mapping(m["menus"][1], "ivr.menus").items():
        if not ID.match(mid):
            r.err(knode, f"menu id {mid!r}: use a-z, 0-9 and '_'", "config.bad_menu_id", menu=mid)
            continue
        mm = r.mapping(vnode, f"menu {mid}", ("prompt", "options"), required=("prompt", "options"))
        if "prompt" not in mm or "options" not in mm:
            continue
        prompt = r.text(mm["prompt"][1], f"menu {mid}: prompt") or ""
        uses.append((prompt, mm["prompt"][1]))
        options: list[MenuOption] = []
        for digit, (dnode, onode) in _digits(r, mm["options"][1], mid):
            if not _DIGIT.match(digit):
                r.err(dnode, f"menu {mid}: {digit!r} is not a key (0-9, * or #)",
                      "config.bad_digit_key", menu=mid, digit=digit)
                continue
            opt = _option(r, digit, onode, mid, uses)
            if opt is not None:
                options.append(opt)
                if opt.action == "menu" and opt.target:
                    targets.append((opt.target, onode))
        if not options:
            r.err(mm["options"][1], f"menu {mid}: no options", "config.menu_no_options", menu=mid)
        menus.append(Menu(mid, prompt, tuple(options)))
    ids = {mn.id for mn in menus}
    start = r.text(m["start"][1], "ivr.start") or ""
    if start not in ids:
        r.err(m["start"][1], f"ivr.start: unknown menu {start!r}", "config.unknown_start_menu",
              menu=start)
    for target, tnode in targets:
        if target not in ids:
            r.err(tnode, f"unknown menu target {target!r} (menus: {', '.join(sorted(ids))})",
                  "config.unknown_menu_target", target=target, menus=", ".join(sorted(ids)))
    _unreachable(r, menus, start, m["menus"][1])
    timeout = r.number(m["timeout"][1], "ivr.timeout", minimum=1) if "timeout" in m else 5.0
    retries = r.number(m["retries"][1], "ivr.retries") if "retries" in m else 2
    status_digits = (r.number(m["status_digits"][1], "ivr.status_digits", minimum=1)
                     if "status_digits" in m else 10)
    if start not in ids or timeout is None or retries is None or status_digits is None:
        return None
    return Ivr(start=start, timeout=timeout, retries=int(retries), status_digits=int(status_digits),
               menus=tuple(menus))


def _option(r: Reader, digit: str, node: Node, menu: str,
            uses: list[tuple[str, Node]]) -> MenuOption | None:
    what = f"menu {menu}, digit {digit}"
    if isinstance(node, ScalarNode):
        word = node.value
        if word in ("operator", "status", "repeat"):
            return MenuOption(digit, word)
        r.err(node, f"{what}: {word!r} must be operator, status, repeat, "
                    "{menu: ID}, {play: PROMPT} or {operator: SKILL}", "config.bad_action",
              what=what, value=word)
        return None
    m = r.mapping(node, what, ("menu", "play", "operator"))
    if len(m) != 1:
        if m:
            r.err(node, f"{what}: give exactly one of menu, play, operator",
                  "config.action_one_of", what=what)
        return None
    (kind, (_, vnode)), = m.items()
    target = r.text(vnode, f"{what}: {kind}")
    if not target:
        return None
    if kind == "play":
        uses.append((target, vnode))
        return MenuOption(digit, "play", target=target)
    if kind == "operator":
        return MenuOption(digit, "operator", skill=target)
    return MenuOption(digit, "menu", target=target)


def _digits(r: Reader, node: Node, menu: str) -> Iterator[tuple[str, tuple[Node, Node]]]:
    """The options of a menu, reporting a digit given twice as such."""
    if not isinstance(node, MappingNode):
        r.err(node, f"menu {menu}: options must map digits to actions",
              "config.options_not_mapping", menu=menu)
        return
    seen: dict[str, int] = {}
    for k, v in node.value:
        digit = str(k.value) if isinstance(k, ScalarNode) else "?"
        if digit in seen:
            r.err(k, f"menu {menu}: duplicate digit {digit} (first on line {seen[digit]})",
                  "config.duplicate_digit", menu=menu, digit=digit, first_line=seen[digit])
            continue
        seen[digit] = line_of(k)
        yield digit, (k, v)


def _unreachable(r: Reader, menus: list[Menu], start: str, node: Node) -> None:
    by_id = {mn.id: mn for mn in menus}
    reached, todo = set(), [start]
    while todo:
        mid = todo.pop()
        if mid in reached or mid not in by_id:
            continue
        reached.add(mid)
        todo.extend(o.target for o in by_id[mid].options if o.action == "menu" and o.target)
    lines: dict[str, int] = {}
    if isinstance(node, MappingNode):
        lines = {k.value: line_of(k) for k, _ in node.value}
    for mn in menus:
        if mn.id not in reached and start in by_id:
            r.err(lines.get(mn.id, line_of(node)),
                  f"menu {mn.id!r} is unreachable: no option leads to it from {start!r}",
                  "config.menu_unreachable", menu=mn.id, start=start)
