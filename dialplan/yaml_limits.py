"""Limits a configuration text must keep before it is composed into nodes.

PyYAML's composer recurses once per nesting level, so a text nested a few
thousand levels deep ends in ``RecursionError``; anchors and aliases can
make a small text stand for a huge tree.  The event parser is iterative, so
walking its events first measures depth, aliases and documents cheaply and
refuses a text that breaks a limit, with a stable code, before anything
recursive sees it.  The shipped configuration nests 7 levels and uses no
aliases; the limits leave room for far larger cities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

# libyaml's parser when installed (40x faster here); the same events either way.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_BYTES = 256 * 1024
MAX_DEPTH = 32
MAX_ALIASES = 20  # the most a chain of them can stand for: about 1,600 nodes


@dataclass(frozen=True)
class TooBig:
    """Why a text is refused: ``code`` is stable, ``line`` 1-based (0: whole text)."""

    code: str
    line: int
    message: str


def shape_problem(text: str) -> TooBig | None:
    """The first limit the text breaks, or None.  Syntax errors are left to
    the composer, which reports them with their line."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        return TooBig("config.too_large", 0, f"the text is {size} bytes; at most {MAX_BYTES}")
    try:
        return _walk(text, _LOADER)
    except yaml.YAMLError:
        if _LOADER is yaml.SafeLoader:
            return None
    # libyaml reads ahead and may stop on a syntax error before it has handed
    # out the events the composer would recurse through: walk again with the
    # Python parser, which yields every event up to the error.
    try:
        return _walk(text, yaml.SafeLoader)
    except yaml.YAMLError:
        return None  # every event before the error was within the limits


def _walk(text: str, loader: Any) -> TooBig | None:
    depth = aliases = documents = 0
    for event in yaml.parse(text, Loader=loader):
        depth += _step(event)
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if depth > MAX_DEPTH:
            return TooBig("config.too_deep", line, f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(event, AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                return TooBig("config.too_many_aliases", line,
                              f"more than {MAX_ALIASES} aliases (*name)")
        if isinstance(event, DocumentStartEvent):
            documents += 1
            if documents > 1:
                return TooBig("config.many_documents", line,
                              "one YAML document only (no second ---)")
    return None


def _step(event: Event) -> int:
    if isinstance(event, MappingStartEvent | SequenceStartEvent):
        return 1
    if isinstance(event, MappingEndEvent | SequenceEndEvent):
        return -1
    return 0
