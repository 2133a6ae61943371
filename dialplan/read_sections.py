"""The plain sections of a configuration: languages, prompts (and the check
that every prompt used has a text in every language), service numbers and
departments.  Each reader reports problems on the ``Reader`` and returns what
it could build."""

from __future__ import annotations

import re

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from dialplan.departments import Department, DepartmentError
from dialplan.model import SYSTEM_PROMPTS, Language, ServiceNumber
from dialplan.numbers import normalise
from dialplan.yaml_nodes import Reader, line_of, plain

CALLER_WORDS = ("any", "mobile", "foreign", "fixed")
_AREA = re.compile(r"^0[1-9][0-9]{1,2}$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # prompt and menu ids


def read_languages(r: Reader, node: Node) -> tuple[Language, ...]:
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
            r.err(m["code"][1], f"language code {code!r}: use an ISO 639 code such as sr, hu, sk",
                  "config.bad_language_code", language=code)
            continue
        if "enabled" in m and r.flag(m["enabled"][1], f"language {code}: enabled") is False:
            continue
        if code in codes:
            r.err(m["code"][1], f"language {code!r} appears twice (first on line {codes[code]})",
                  "config.language_twice", language=code, first_line=codes[code])
            continue
        codes[code] = line_of(m["code"][1])
        digit = r.text(m["digit"][1], f"language {code}: digit") or ""
        if not re.fullmatch(r"[0-9]", digit):
            r.err(m["digit"][1], f"language {code}: digit {digit!r} must be one key 0-9",
                  "config.bad_language_digit", language=code, digit=digit)
            continue
        if digit in digits:
            r.err(m["digit"][1], f"language {code}: duplicate digit {digit} "
                                 f"(also on line {digits[digit]})", "config.language_digit_twice",
                  language=code, digit=digit, first_line=digits[digit])
            continue
        digits[digit] = line_of(m["digit"][1])
        voice = r.text(m["voice"][1], f"language {code}: voice") if "voice" in m else code
        out.append(Language(code, r.text(m["name"][1], "language name") or code,
                            voice or code, digit))
    if isinstance(node, SequenceNode) and not out:
        r.err(node, "languages: enable at least one language (the first is the default)",
              "config.no_language")
    return tuple(out)


def read_prompts(r: Reader, node: Node) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for pid, (knode, vnode) in r.mapping(node, "prompts").items():
        if not ID.match(pid):
            r.err(knode, f"prompt id {pid!r}: use a-z, 0-9 and '_'", "config.bad_prompt_id",
                  prompt=pid)
            continue
        texts: dict[str, str] = {}
        for lang, (_, tnode) in r.mapping(vnode, f"prompt {pid}").items():
            t = r.text(tnode, f"prompt {pid} ({lang})")
            if t:
                texts[lang] = t
            elif t is not None:
                r.err(tnode, f"prompt {pid} ({lang}): empty text", "config.empty_prompt",
                      prompt=pid, language=lang)
        out[pid] = texts
    return out


def check_prompts(r: Reader, entry: tuple[Node, Node], prompts: dict[str, dict[str, str]],
                   languages: tuple[Language, ...], uses: list[tuple[str, Node]]) -> None:
    wanted: dict[str, int] = {p: line_of(entry[0]) for p in SYSTEM_PROMPTS}
    for pid, node in uses:
        wanted.setdefault(pid, line_of(node))
    prompt_nodes = {k.value: k for k, _ in entry[1].value} if isinstance(entry[1], MappingNode) \
        else {}
    for pid, line in wanted.items():
        if pid not in prompts:
            where = "" if line == line_of(entry[0]) else " (used here)"
            r.err(line, f"missing prompt {pid!r}{where}: add it under prompts:",
                  "config.missing_prompt_used" if where else "config.missing_prompt", prompt=pid)
            continue
        for lang in languages:
            if lang.code not in prompts[pid]:
                r.err(prompt_nodes.get(pid, line),
                      f"prompt {pid!r} has no text in language {lang.code!r}",
                      "config.prompt_missing_language", prompt=pid, language=lang.code)


def read_numbers(r: Reader, node: Node, uses: list[tuple[str, Node]]) -> tuple[ServiceNumber, ...]:
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
            r.err(m["number"][1], f"number {raw!r} is not a valid Serbian phone number",
                  "config.bad_number", number=raw)
            continue
        if e164 in seen:
            r.err(m["number"][1], f"number {raw} appears twice (first on line {seen[e164]})",
                  "config.number_twice", number=raw, first_line=seen[e164])
            continue
        seen[e164] = line_of(m["number"][1])
        callers = _callers(r, m["callers"][1], raw)
        refusal = None
        if "refusal_prompt" in m:
            refusal = r.text(m["refusal_prompt"][1], f"number {raw}: refusal_prompt")
            if refusal:
                uses.append((refusal, m["refusal_prompt"][1]))
        elif "any" not in callers:
            r.err(item, f"number {raw}: refuses some callers but has no refusal_prompt",
                  "config.no_refusal_prompt", number=raw)
        rule = "refuse"
        if "unknown_caller" in m:
            rule = r.text(m["unknown_caller"][1], "unknown_caller") or ""
            if rule not in ("refuse", "accept"):
                r.err(m["unknown_caller"][1],
                      f"number {raw}: unknown_caller {rule!r} must be refuse or accept",
                      "config.bad_unknown_caller", number=raw, value=rule)
                rule = "refuse"
        out.append(ServiceNumber(
            e164=e164, name=r.text(m["name"][1], "name") or raw if "name" in m else raw,
            callers=callers, refusal_prompt=refusal, unknown_caller=rule,  # type: ignore[arg-type]
            refusal_reason=(r.text(m["refusal_reason"][1], "refusal_reason") or "")
            if "refusal_reason" in m else ""))
    return tuple(out)


def _callers(r: Reader, node: Node, number: str) -> tuple[str, ...]:
    items = [node] if isinstance(node, ScalarNode) else r.seq(node, f"number {number}: callers")
    out = []
    for it in items:
        c = r.text(it, f"number {number}: callers") or ""
        if c in CALLER_WORDS or _AREA.match(c):
            out.append(c)
        else:
            r.err(it, f"number {number}: caller rule {c!r} must be an area code such as "
                      f"\"021\" (quoted) or one of {', '.join(CALLER_WORDS)}",
                  "config.bad_caller_rule", number=number, value=c, known=", ".join(CALLER_WORDS))
    return tuple(out)


def read_departments(r: Reader, node: Node) -> tuple[Department, ...]:
    out: list[Department] = []
    seen: dict[str, int] = {}
    for item in r.seq(node, "departments"):
        raw = plain(item)
        if not isinstance(raw, dict):
            r.err(item, "department must be a mapping", "config.department_not_mapping")
            continue
        if not raw.get("number"):
            r.err(item, f"department {raw.get('id', '?')!r} has no transfer number",
                  "config.department_no_number", department=str(raw.get("id", "?")))
            continue
        try:
            dep = Department.from_mapping(raw)
        except DepartmentError as e:
            r.err(item, str(e), "config.department_invalid", department=str(raw.get("id", "?")),
                  detail=str(e))
            continue
        if dep.id in seen:
            r.err(item, f"department id {dep.id!r} appears twice (first on line {seen[dep.id]})",
                  "config.department_twice", department=dep.id, first_line=seen[dep.id])
            continue
        seen[dep.id] = line_of(item)
        out.append(dep)
    return tuple(out)
