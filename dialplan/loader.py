"""Read, check and build the configuration (``dialplan/default.yaml`` is the
commented example and the shipped default).

Checking works on the YAML node tree (``dialplan.yaml_nodes``), so every
problem carries the line it is on, and a duplicate key (two options on digit
1) is seen instead of silently overwritten.  Every problem is collected, not
only the first; a configuration with any problem is refused as a whole:
``ConfigInvalid.issues`` lists them, ``str(issue)`` is ``file:line: message``.

Here: the entry points and the file as a whole.  The sections are read in
``dialplan.read_sections`` (languages, prompts, numbers, departments),
``dialplan.read_hours`` and ``dialplan.read_ivr``.
"""

from __future__ import annotations

import types
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from yaml.nodes import Node

from dialplan.deadlines import Deadlines
from dialplan.model import Config
from dialplan.read_deadlines import read_deadlines
from dialplan.read_hours import read_hours
from dialplan.read_ivr import read_ivr
from dialplan.read_sections import (
    check_prompts,
    read_departments,
    read_languages,
    read_numbers,
    read_prompts,
)
from dialplan.yaml_limits import shape_problem
from dialplan.yaml_nodes import Issue, Reader

__all__ = ["ConfigInvalid", "Issue", "check_text", "default_path", "load_config", "parse_config"]

DEFAULT_NAME = "default.yaml"
TOP_KEYS = ("timezone", "languages", "numbers", "hours", "ivr", "prompts", "departments",
            "deadlines")


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
        raise ConfigInvalid([Issue(str(p), 0, f"cannot read: {why}", "config.unreadable",
                                   {"reason": why})]) from None
    return parse_config(text, str(p))


def parse_config(text: str, source: str = "<text>") -> Config:
    """Check and build a configuration from YAML text; raises ``ConfigInvalid``."""
    r = Reader(source)
    too_big = shape_problem(text)
    if too_big is not None:
        raise ConfigInvalid([Issue(source, too_big.line, too_big.message, too_big.code)])
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        context = str(getattr(e, "context", "") or "")
        if getattr(e, "context_mark", None) is not None and (
                "flow" in context or "quoted" in context):
            # An unclosed [ { or quote is reported where the parser gave up
            # (often the next line); the line to fix is where it opened.
            mark = e.context_mark  # type: ignore[attr-defined]
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(e, "problem", None) or str(e)
        raise ConfigInvalid([Issue(source, line, f"not valid YAML: {problem}",
                                   "config.yaml_syntax", {"problem": problem})]) from None
    if root is None:
        raise ConfigInvalid([Issue(source, 1, "the file is empty", "config.empty")])
    config = _build(r, root, text)
    if r.issues or config is None:
        raise ConfigInvalid(sorted(r.issues, key=lambda i: i.line))
    return config


def _build(r: Reader, root: Node, text: str) -> Config | None:
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
            r.err(top["timezone"][1], f"timezone: unknown time zone {tz!r}",
                  "config.unknown_timezone", timezone=tz)
    languages = read_languages(r, top["languages"][1]) if "languages" in top else ()
    prompts = read_prompts(r, top["prompts"][1]) if "prompts" in top else {}
    uses: list[tuple[str, Node]] = []  # prompt references, checked at the end
    numbers = read_numbers(r, top["numbers"][1], uses) if "numbers" in top else ()
    hours = read_hours(r, top["hours"][1]) if "hours" in top else None
    ivr = read_ivr(r, top["ivr"][1], uses) if "ivr" in top else None
    departments = read_departments(r, top["departments"][1]) if "departments" in top else ()
    deadlines = read_deadlines(r, top["deadlines"][1], departments, hours) \
        if "deadlines" in top else Deadlines()
    if "prompts" in top and languages:
        check_prompts(r, top["prompts"], prompts, languages, uses)
    if hours is None or ivr is None or not languages:
        return None
    return Config(
        source=r.source, timezone=timezone, languages=languages, numbers=numbers, hours=hours,
        ivr=ivr, prompts=types.MappingProxyType(
            {k: types.MappingProxyType(v) for k, v in prompts.items()}),
        departments=departments, deadlines=deadlines, text=text)


def check_text(text: str, source: str = "<text>") -> list[Issue]:
    """Every problem of a configuration text (empty list: it is good)."""
    try:
        parse_config(text, source)
    except ConfigInvalid as e:
        return e.issues
    return []
