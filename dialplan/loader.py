"""Read, check and build the configuration (``dialplan/default.yaml`` is the
commented example and the shipped default).

Checking works on the YAML node tree (``yaml.compose``), so every problem
carries the line it is on, and a duplicate key (two options on digit 1) is
seen instead of silently overwritten.  Every problem is collected, not only
the first; a configuration with any problem is refused as a whole:
``ConfigInvalid.issues`` lists them, ``str(issue)`` is ``file:line: message``.

Scalars are read from their source text, never from YAML 1.1's implicit
types, so ``07:30`` is a time and not the sexagesimal integer 450.
"""

from __future__ import annotations

import itertools
import re
import types
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from dialplan.departments import Department, DepartmentError
from dialplan.model import (
    SYSTEM_PROMPTS,
    WEEKDAYS,
    Config,
    Hours,
    Ivr,
    Language,
    Menu,
    MenuOption,
    ServiceNumber,
    Span,
    SpecialDay,
)
from dialplan.numbers import normalise

DEFAULT_NAME = "default.yaml"
TOP_KEYS = ("timezone", "languages", "numbers", "hours", "ivr", "prompts", "departments")
CALLER_WORDS = ("any", "mobile", "foreign", "fixed")
_AREA = re.compile(r"^0[1-9][0-9]{1,2}$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
_DIGIT = re.compile(r"^[0-9*#]$")


@dataclass(frozen=True)
class Issue:
    """One problem in a configuration file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "message": self.message}


class ConfigInvalid(Exception):
    """The configuration has problems; ``.issues`` lists every one of them."""

    code = "config.invalid"

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = issues

    @property
    def details(self) -> dict[str, Any]:
        return {"issues": [i.to_dict() for i in self.issues]}


def default_path() -> Path:
    return Path(str(resources.files(__package__).joinpath(DEFAULT_NAME)))


def load_config(path: str | Path | None = None) -> Config:
    """Load and check a configuration file (None: the shipped default).

    Raises ``ConfigInvalid`` (with every problem) or, for an unreadable
    file, ``ConfigInvalid`` with one issue on line 0.
    """
    p = Path(path) if path is not None else default_path()
    try:
        text = p.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        why = getattr(e, "strerror", None) or str(e)
        raise ConfigInvalid([Issue(str(p), 0, f"cannot read: {why}")]) from None
    return parse_config(text, str(p))


def parse_config(text: str, source: str = "<text>") -> Config:
    """Check and build a configuration from YAML text; raises ``ConfigInvalid``."""
    r = _Reader(source)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(e, "problem", None) or str(e)
        raise ConfigInvalid([Issue(source, line, f"not valid YAML: {problem}")]) from None
    if root is None:
        raise ConfigInvalid([Issue(source, 1, "the file is empty")])
    config = _build(r, root, text)
    if r.issues or config is None:
        raise ConfigInvalid(sorted(r.issues, key=lambda i: i.line))
    return config


# -- reading nodes -------------------------------------------------------------

def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.issues: list[Issue] = []

    def err(self, node: Node | int, message: str) -> None:
        line = node if isinstance(node, int) else _line(node)
        self.issues.append(Issue(self.source, line, message))

    def mapping(self, node: Node, what: str, keys: tuple[str, ...] | None = None,
                required: tuple[str, ...] = ()) -> dict[str, tuple[Node, Node]]:
        """Key -> (key node, value node); reports duplicates, unknown and missing keys."""
        if not isinstance(node, MappingNode):
            self.err(node, f"{what} must be a mapping (key: value lines)")
            return {}
        out: dict[str, tuple[Node, Node]] = {}
        for k, v in node.value:
            key = k.value if isinstance(k, ScalarNode) else "?"
            if key in out:
                self.err(k, f"{what}: duplicate key {key!r} (first on line {_line(out[key][0])})")
                continue
            if keys is not None and key not in keys:
                self.err(k, f"{what}: unknown key {key!r} (known: {', '.join(keys)})")
                continue
            out[key] = (k, v)
        for key in required:
            if key not in out:
                self.err(node, f"{what}: missing {key!r}")
        return out

    def seq(self, node: Node, what: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            self.err(node, f"{what} must be a list (lines starting with '- ')")
            return []
        return list(node.value)

    def text(self, node: Node, what: str) -> str | None:
        if not isinstance(node, ScalarNode) or node.tag == "tag:yaml.org,2002:null":
            self.err(node, f"{what} must be a single value")
            return None
        return str(node.value).strip()

    def number(self, node: Node, what: str, *, minimum: float = 0) -> float | None:
        s = self.text(node, what)
        if s is None:
            return None
        try:
            n = float(s)
        except ValueError:
            self.err(node, f"{what}: {s!r} is not a number")
            return None
        if n < minimum:
            self.err(node, f"{what}: {s} must be at least {minimum:g}")
            return None
        return n

    def flag(self, node: Node, what: str) -> bool | None:
        s = (self.text(node, what) or "").lower()
        if s in ("true", "yes", "on"):
            return True
        if s in ("false", "no", "off"):
            return False
        self.err(node, f"{what}: {s!r} must be true or false")
        return None


def _plain(node: Node) -> Any:
    """A node as plain Python, scalars as their source text (for departments)."""
    if isinstance(node, MappingNode):
        return {k.value: _plain(v) for k, v in node.value}
    if isinstance(node, SequenceNode):
        return [_plain(v) for v in node.value]
    if node.tag == "tag:yaml.org,2002:null":
        return None
    if node.tag == "tag:yaml.org,2002:bool":
        return str(node.value).lower() in ("true", "yes", "on")
    return node.value


# -- the sections --------------------------------------------------------------

def _build(r: _Reader, root: Node, text: str) -> Config | None:
    top = r.mapping(root, "the file", TOP_KEYS, required=("languages", "numbers", "hours", "ivr",
                                                            "prompts"))
    timezone = "Europe/Belgrade"
    if "timezone" in top:
        tz = r.text(top["timezone"][1], "timezone")
        try:
            if tz:
                ZoneInfo(tz)
                timezone = tz
        except (ZoneInfoNotFoundError, ValueError):
            r.err(top["timezone"][1], f"timezone: unknown time zone {tz!r}")
    languages = _languages(r, top["languages"][1]) if "languages" in top else ()
    prompts = _prompts(r, top["prompts"][1]) if "prompts" in top else {}
    uses: list[tuple[str, Node]] = []  # prompt references, checked at the end
    numbers = _numbers(r, top["numbers"][1], uses) if "numbers" in top else ()
    hours = _hours(r, top["hours"][1]) if "hours" in top else None
    ivr = _ivr(r, top["ivr"][1], uses) if "ivr" in top else None
    departments = _departments(r, top["departments"][1]) if "departments" in top else ()
    if "prompts" in top and languages:
        _check_prompts(r, top["prompts"], prompts, languages, uses)
    if hours is None or ivr is None or not languages:
        return None
    return Config(
        source=r.source, timezone=timezone, languages=languages, numbers=numbers, hours=hours,
        ivr=ivr, prompts=types.MappingProxyType(
            {k: types.MappingProxyType(v) for k, v in prompts.items()}),
        departments=departments, text=text)


def _languages(r: _Reader, node: Node) -> tuple[Language, ...]:
    out: list[Language] = []
    codes: dict[str, int] = {}
    digits: dict[str, int] = {}
    for item in r.seq(node, "languages"):
        m = r.mapping(item, "language", ("code", "name", "voice", "digit", "enabled"),
                      required=("code", "name", "digit"))
        if not {"code", "name", "digit"} <= m.keys():
            continue
        code = r.text(m["code"][1], "language code") or ""
        if not _LANG.match(code):
            r.err(m["code"][1], f"language code {code!r}: use an ISO 639 code such as sr, hu, sk")
            continue
        if "enabled" in m and r.flag(m["enabled"][1], f"language {code}: enabled") is False:
            continue
        if code in codes:
            r.err(m["code"][1], f"language {code!r} appears twice (first on line {codes[code]})")
            continue
        codes[code] = _line(m["code"][1])
        digit = r.text(m["digit"][1], f"language {code}: digit") or ""
        if not re.fullmatch(r"[0-9]", digit):
            r.err(m["digit"][1], f"language {code}: digit {digit!r} must be one key 0-9")
            continue
        if digit in digits:
            r.err(m["digit"][1], f"language {code}: duplicate digit {digit} "
                                 f"(also on line {digits[digit]})")
            continue
        digits[digit] = _line(m["digit"][1])
        voice = r.text(m["voice"][1], f"language {code}: voice") if "voice" in m else code
        out.append(Language(code, r.text(m["name"][1], "language name") or code,
                            voice or code, digit))
    if isinstance(node, SequenceNode) and not out:
        r.err(node, "languages: enable at least one language (the first is the default)")
    return tuple(out)


def _prompts(r: _Reader, node: Node) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for pid, (knode, vnode) in r.mapping(node, "prompts").items():
        if not _ID.match(pid):
            r.err(knode, f"prompt id {pid!r}: use a-z, 0-9 and '_'")
            continue
        texts: dict[str, str] = {}
        for lang, (_, tnode) in r.mapping(vnode, f"prompt {pid}").items():
            t = r.text(tnode, f"prompt {pid} ({lang})")
            if t:
                texts[lang] = t
            elif t is not None:
                r.err(tnode, f"prompt {pid} ({lang}): empty text")
        out[pid] = texts
    return out


def _check_prompts(r: _Reader, entry: tuple[Node, Node], prompts: dict[str, dict[str, str]],
                   languages: tuple[Language, ...], uses: list[tuple[str, Node]]) -> None:
    wanted: dict[str, int] = {p: _line(entry[0]) for p in SYSTEM_PROMPTS}
    for pid, node in uses:
        wanted.setdefault(pid, _line(node))
    prompt_nodes = {k.value: k for k, _ in entry[1].value} if isinstance(entry[1], MappingNode) \
        else {}
    for pid, line in wanted.items():
        if pid not in prompts:
            where = "" if line == _line(entry[0]) else " (used here)"
            r.err(line, f"missing prompt {pid!r}{where}: add it under prompts:")
            continue
        for lang in languages:
            if lang.code not in prompts[pid]:
                r.err(prompt_nodes.get(pid, line),
                      f"prompt {pid!r} has no text in language {lang.code!r}")


def _numbers(r: _Reader, node: Node, uses: list[tuple[str, Node]]) -> tuple[ServiceNumber, ...]:
    out: list[ServiceNumber] = []
    seen: dict[str, int] = {}
    keys = ("number", "name", "callers", "refusal_prompt", "refusal_reason", "unknown_caller")
    for item in r.seq(node, "numbers"):
        m = r.mapping(item, "number", keys, required=("number", "callers"))
        if "number" not in m or "callers" not in m:
            continue
        raw = r.text(m["number"][1], "number") or ""
        e164 = normalise(raw)
        if e164 is None:
            r.err(m["number"][1], f"number {raw!r} is not a valid Serbian phone number")
            continue
        if e164 in seen:
            r.err(m["number"][1], f"number {raw} appears twice (first on line {seen[e164]})")
            continue
        seen[e164] = _line(m["number"][1])
        callers = _callers(r, m["callers"][1], raw)
        refusal = None
        if "refusal_prompt" in m:
            refusal = r.text(m["refusal_prompt"][1], f"number {raw}: refusal_prompt")
            if refusal:
                uses.append((refusal, m["refusal_prompt"][1]))
        elif "any" not in callers:
            r.err(item, f"number {raw}: refuses some callers but has no refusal_prompt")
        rule = "refuse"
        if "unknown_caller" in m:
            rule = r.text(m["unknown_caller"][1], "unknown_caller") or ""
            if rule not in ("refuse", "accept"):
                r.err(m["unknown_caller"][1],
                      f"number {raw}: unknown_caller {rule!r} must be refuse or accept")
                rule = "refuse"
        out.append(ServiceNumber(
            e164=e164, name=r.text(m["name"][1], "name") or raw if "name" in m else raw,
            callers=callers, refusal_prompt=refusal, unknown_caller=rule,  # type: ignore[arg-type]
            refusal_reason=(r.text(m["refusal_reason"][1], "refusal_reason") or "")
            if "refusal_reason" in m else ""))
    return tuple(out)


def _callers(r: _Reader, node: Node, number: str) -> tuple[str, ...]:
    items = [node] if isinstance(node, ScalarNode) else r.seq(node, f"number {number}: callers")
    out = []
    for it in items:
        c = r.text(it, f"number {number}: callers") or ""
        if c in CALLER_WORDS or _AREA.match(c):
            out.append(c)
        else:
            r.err(it, f"number {number}: caller rule {c!r} must be an area code such as "
                      f"\"021\" (quoted) or one of {', '.join(CALLER_WORDS)}")
    return tuple(out)


def _time(r: _Reader, node: Node, s: str, what: str) -> time | None:
    m = _TIME.match(s.strip())
    if m is None:
        r.err(node, f"{what}: bad time {s.strip()!r}, write HH:MM (00:00-23:59)")
        return None
    return time(int(m.group(1)), int(m.group(2)))


def _spans(r: _Reader, node: Node, what: str) -> tuple[Span, ...] | None:
    """``07:30-15:30``, a list of such spans, or ``closed``."""
    items = node.value if isinstance(node, SequenceNode) else [node]
    out: list[Span] = []
    for it in items:
        s = r.text(it, what)
        if s is None:
            return None
        if s.lower() == "closed":
            continue
        start_s, sep, end_s = s.partition("-")
        if not sep:
            r.err(it, f"{what}: {s!r} must be a span like 07:30-15:30, or closed")
            return None
        # 24:00 ends a span at midnight (open until the end of the day).
        end = time.max if end_s.strip() == "24:00" else _time(r, it, end_s, what)
        start = _time(r, it, start_s, what)
        if start is None or end is None:
            return None
        if end <= start:
            r.err(it, f"{what}: span {s!r} ends before it starts")
            return None
        out.append(Span(start, end))
    out.sort(key=lambda sp: sp.start)
    for a, b in itertools.pairwise(out):
        if b.start < a.end:
            r.err(node, f"{what}: spans {a} and {b} overlap")
            return None
    return tuple(out)


def _weekday_keys(key: str) -> list[int] | None:
    if key in WEEKDAYS:
        return [WEEKDAYS.index(key)]
    first, sep, last = key.partition("-")
    if sep and first in WEEKDAYS and last in WEEKDAYS:
        a, b = WEEKDAYS.index(first), WEEKDAYS.index(last)
        return list(range(a, b + 1)) if a <= b else None
    return None


def _hours(r: _Reader, node: Node) -> Hours | None:
    m = r.mapping(node, "hours", ("weekly", "public_holidays", "special", "callback"),
                  required=("weekly",))
    if "weekly" not in m:
        return None
    weekly: list[tuple[Span, ...]] = [() for _ in WEEKDAYS]
    set_on: dict[int, int] = {}
    for key, (knode, vnode) in r.mapping(m["weekly"][1], "hours.weekly").items():
        days = _weekday_keys(key)
        if days is None:
            r.err(knode, f"hours.weekly: {key!r} is not a day or range "
                         f"({', '.join(WEEKDAYS)}, or e.g. mon-fri)")
            continue
        spans = _spans(r, vnode, f"hours.weekly.{key}")
        for d in days:
            if d in set_on:
                r.err(knode, f"hours.weekly: {WEEKDAYS[d]} is already set on line {set_on[d]}")
            set_on[d] = _line(knode)
            weekly[d] = spans or ()
    country: str | None = "RS"
    if "public_holidays" in m:
        c = r.text(m["public_holidays"][1], "hours.public_holidays") or ""
        if c.lower() == "none":
            country = None
        elif c != "RS":
            r.err(m["public_holidays"][1],
                  f"hours.public_holidays: {c!r} must be RS (Serbia) or none")
        else:
            country = c
    callback = True
    if "callback" in m:
        callback = bool(r.flag(m["callback"][1], "hours.callback"))
    special: list[SpecialDay] = []
    seen: dict[date, int] = {}
    for item in r.seq(m["special"][1], "hours.special") if "special" in m else []:
        sm = r.mapping(item, "special day", ("date", "hours", "reason"), required=("date",))
        if "date" not in sm:
            continue
        ds = r.text(sm["date"][1], "special day: date") or ""
        try:
            day = date.fromisoformat(ds)
        except ValueError:
            r.err(sm["date"][1], f"special day: bad date {ds!r}, write YYYY-MM-DD")
            continue
        if day in seen:
            r.err(sm["date"][1], f"special day {ds} appears twice (first on line {seen[day]})")
            continue
        seen[day] = _line(sm["date"][1])
        spans = _spans(r, sm["hours"][1], f"special day {ds}") if "hours" in sm else ()
        reason = r.text(sm["reason"][1], "reason") or "" if "reason" in sm else ""
        special.append(SpecialDay(day, spans or (), reason))
    return Hours(tuple(weekly), country, tuple(special), callback)


def _option(r: _Reader, digit: str, node: Node, menu: str,
            uses: list[tuple[str, Node]]) -> MenuOption | None:
    what = f"menu {menu}, digit {digit}"
    if isinstance(node, ScalarNode):
        word = node.value
        if word in ("operator", "status", "repeat"):
            return MenuOption(digit, word)
        r.err(node, f"{what}: {word!r} must be operator, status, repeat, "
                    "{menu: ID}, {play: PROMPT} or {operator: SKILL}")
        return None
    m = r.mapping(node, what, ("menu", "play", "operator"))
    if len(m) != 1:
        if m:
            r.err(node, f"{what}: give exactly one of menu, play, operator")
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


def _ivr(r: _Reader, node: Node, uses: list[tuple[str, Node]]) -> Ivr | None:
    m = r.mapping(node, "ivr", ("start", "timeout", "retries", "status_digits", "menus"),
                  required=("start", "menus"))
    if "menus" not in m or "start" not in m:
        return None
    menus: list[Menu] = []
    targets: list[tuple[str, Node]] = []
    for mid, (knode, vnode) in r.mapping(m["menus"][1], "ivr.menus").items():
        if not _ID.match(mid):
            r.err(knode, f"menu id {mid!r}: use a-z, 0-9 and '_'")
            continue
        mm = r.mapping(vnode, f"menu {mid}", ("prompt", "options"), required=("prompt", "options"))
        if "prompt" not in mm or "options" not in mm:
            continue
        prompt = r.text(mm["prompt"][1], f"menu {mid}: prompt") or ""
        uses.append((prompt, mm["prompt"][1]))
        options: list[MenuOption] = []
        for digit, (dnode, onode) in _digits(r, mm["options"][1], mid):
            if not _DIGIT.match(digit):
                r.err(dnode, f"menu {mid}: {digit!r} is not a key (0-9, * or #)")
                continue
            opt = _option(r, digit, onode, mid, uses)
            if opt is not None:
                options.append(opt)
                if opt.action == "menu" and opt.target:
                    targets.append((opt.target, onode))
        if not options:
            r.err(mm["options"][1], f"menu {mid}: no options")
        menus.append(Menu(mid, prompt, tuple(options)))
    ids = {mn.id for mn in menus}
    start = r.text(m["start"][1], "ivr.start") or ""
    if start not in ids:
        r.err(m["start"][1], f"ivr.start: unknown menu {start!r}")
    for target, tnode in targets:
        if target not in ids:
            r.err(tnode, f"unknown menu target {target!r} (menus: {', '.join(sorted(ids))})")
    _unreachable(r, menus, start, m["menus"][1])
    timeout = r.number(m["timeout"][1], "ivr.timeout", minimum=1) if "timeout" in m else 5.0
    retries = r.number(m["retries"][1], "ivr.retries") if "retries" in m else 2
    status_digits = (r.number(m["status_digits"][1], "ivr.status_digits", minimum=1)
                     if "status_digits" in m else 10)
    if start not in ids or timeout is None or retries is None or status_digits is None:
        return None
    return Ivr(start=start, timeout=timeout, retries=int(retries), status_digits=int(status_digits),
               menus=tuple(menus))


def _digits(r: _Reader, node: Node, menu: str) -> Iterator[tuple[str, tuple[Node, Node]]]:
    """The options of a menu, reporting a digit given twice as such."""
    if not isinstance(node, MappingNode):
        r.err(node, f"menu {menu}: options must map digits to actions")
        return
    seen: dict[str, int] = {}
    for k, v in node.value:
        digit = str(k.value) if isinstance(k, ScalarNode) else "?"
        if digit in seen:
            r.err(k, f"menu {menu}: duplicate digit {digit} (first on line {seen[digit]})")
            continue
        seen[digit] = _line(k)
        yield digit, (k, v)


def _unreachable(r: _Reader, menus: list[Menu], start: str, node: Node) -> None:
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
        lines = {k.value: _line(k) for k, _ in node.value}
    for mn in menus:
        if mn.id not in reached and start in by_id:
            r.err(lines.get(mn.id, _line(node)),
                  f"menu {mn.id!r} is unreachable: no option leads to it from {start!r}")


def _departments(r: _Reader, node: Node) -> tuple[Department, ...]:
    out: list[Department] = []
    seen: dict[str, int] = {}
    for item in r.seq(node, "departments"):
        raw = _plain(item)
        if not isinstance(raw, dict):
            r.err(item, "department must be a mapping")
            continue
        if not raw.get("number"):
            r.err(item, f"department {raw.get('id', '?')!r} has no transfer number")
            continue
        try:
            dep = Department.from_mapping(raw)
        except DepartmentError as e:
            r.err(item, str(e))
            continue
        if dep.id in seen:
            r.err(item, f"department id {dep.id!r} appears twice (first on line {seen[dep.id]})")
            continue
        seen[dep.id] = _line(item)
        out.append(dep)
    return tuple(out)



def check_text(text: str, source: str = "<text>") -> list[Issue]:
    """Every problem of a configuration text (empty list: it is good)."""
    try:
        parse_config(text, source)
    except ConfigInvalid as e:
        return e.issues
    return []
