"""Reading the YAML node tree (``yaml.compose``) of a configuration: every
value with the line it is on, so each problem names its line, and a
duplicate key is seen instead of silently overwritten.

``Reader`` collects the problems as ``Issue`` values (``file:line: message``)
instead of stopping at the first.  Scalars are read from their source text,
never from YAML 1.1's implicit types, so ``07:30`` is a time and not the
sexagesimal integer 450.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


@dataclass(frozen=True)
class Issue:
    """One problem in a configuration file: ``message`` in English (logs,
    the CLI); ``code`` (stable, e.g. ``config.unknown_key``) and ``params``
    (the values in the message) for an editor to say it in its language."""

    file: str
    line: int
    message: str
    code: str = "config.invalid"  # config.too_deep etc. for the limits in yaml_limits
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "message": self.message,
                "code": self.code, "params": dict(self.params)}


def line_of(node: Node) -> int:
    """The 1-based line ``node`` starts on."""
    return int(node.start_mark.line) + 1


class Reader:
    """Reads nodes of one source, collecting every problem in ``issues``."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.issues: list[Issue] = []

    def err(self, node: Node | int, message: str, code: str = "config.invalid",
            **params: Any) -> None:
        line = node if isinstance(node, int) else line_of(node)
        self.issues.append(Issue(self.source, line, message, code, params))

    def mapping(self, node: Node, what: str, keys: tuple[str, ...] | None = None,
                required: tuple[str, ...] = ()) -> dict[str, tuple[Node, Node]]:
        """Key -> (key node, value node); reports duplicates, unknown and missing keys."""
        if not isinstance(node, MappingNode):
            self.err(node, f"{what} must be a mapping (key: value lines)", "config.not_mapping",
                     what=what)
            return {}
        out: dict[str, tuple[Node, Node]] = {}
        for k, v in node.value:
            key = k.value if isinstance(k, ScalarNode) else "?"
            if key in out:
                first = line_of(out[key][0])
                self.err(k, f"{what}: duplicate key {key!r} (first on line {first})",
                         "config.duplicate_key", what=what, key=key, first_line=first)
                continue
            if keys is not None and key not in keys:
                self.err(k, f"{what}: unknown key {key!r} (known: {', '.join(keys)})",
                         "config.unknown_key", what=what, key=key, known=", ".join(keys))
                continue
            out[key] = (k, v)
        for key in required:
            if key not in out:
                self.err(node, f"{what}: missing {key!r}", "config.missing_key", what=what,
                         key=key)
        return out

    def seq(self, node: Node, what: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            self.err(node, f"{what} must be a list (lines starting with '- ')", "config.not_list",
                     what=what)
            return []
        return list(node.value)

    def text(self, node: Node, what: str) -> str | None:
        if not isinstance(node, ScalarNode) or node.tag == "tag:yaml.org,2002:null":
            self.err(node, f"{what} must be a single value", "config.not_value", what=what)
            return None
        return str(node.value).strip()

    def number(self, node: Node, what: str, *, minimum: float = 0) -> float | None:
        s = self.text(node, what)
        if s is None:
            return None
        try:
            n = float(s)
        except ValueError:
            self.err(node, f"{what}: {s!r} is not a number", "config.not_number", what=what,
                     value=s)
            return None
        if n < minimum:
            self.err(node, f"{what}: {s} must be at least {minimum:g}", "config.too_small",
                     what=what, value=s, minimum=f"{minimum:g}")
            return None
        return n

    def flag(self, node: Node, what: str) -> bool | None:
        s = (self.text(node, what) or "").lower()
        if s in ("true", "yes", "on"):
            return True
        if s in ("false", "no", "off"):
            return False
        self.err(node, f"{what}: {s!r} must be true or false", "config.not_flag", what=what,
                 value=s)
        return None


def plain(node: Node) -> Any:
    """A node as plain Python, scalars as their source text (for departments)."""
    if isinstance(node, MappingNode):
        return {k.value: plain(v) for k, v in node.value}
    if isinstance(node, SequenceNode):
        return [plain(v) for v in node.value]
    if node.tag == "tag:yaml.org,2002:null":
        return None
    if node.tag == "tag:yaml.org,2002:bool":
        return str(node.value).lower() in ("true", "yes", "on")
    return node.value
