"""Boundaries read from the source: the pure domain imports no I/O library,
the package import graph has the shape the layers promise, no module grows
past 400 lines."""

from __future__ import annotations

import ast
import itertools
import pathlib
from collections.abc import Iterator

ROOT = pathlib.Path(__file__).resolve().parents[1]
FORBIDDEN = ("panoramisk", "sqlalchemy", "aiomqtt", "starlette", "fastapi", "httpx", "uvicorn",
             "asyncpg", "aiosqlite", "aiosmtplib", "kontakt")
PURE = ["acd", "ivr/engine.py", "ivr/walk.py", "dialplan/calendar.py", "dialplan/numbers.py",
        "dialplan/routing.py", "dialplan/model.py", "dialplan/outcome.py", "dialplan/loader.py",
        "dialplan/yaml_nodes.py", "dialplan/read_sections.py", "dialplan/read_hours.py",
        "dialplan/read_ivr.py", "tickets/domain.py", "tickets/convert.py", "tickets/transfer.py",
        "tickets/notify/messages.py", "tickets/notify/policy.py", "tickets/notify/preview.py",
        "tickets/fold.py"]

# Every package of the product; the import graph is drawn between these.
PACKAGES = ("acd", "ivr", "dialplan", "tickets", "infra", "asterisk", "kontakt")
DOMAIN = ("acd", "ivr", "dialplan", "tickets", "infra")  # never import the composition root
MAX_LINES = 400
# Where long files are fine: test code, benchmarks, generated migration scripts.
LONG_OK = ("tests", "bench", "migrations")


def _modules() -> Iterator[pathlib.Path]:
    for entry in PURE:
        p = ROOT / entry
        if p.is_dir():
            yield from sorted(p.rglob("*.py"))
        elif p.exists():
            yield p


def imported(tree: ast.AST) -> Iterator[tuple[str, int]]:
    """Every absolute module name ``tree`` imports, with its line: imports at
    module level and inside functions alike, and ``importlib.import_module``
    / ``__import__`` with a literal name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno
        elif isinstance(node, ast.Call) and node.args:
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
            first = node.args[0]
            if name in ("import_module", "__import__"):
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    yield first.value, node.lineno
                elif isinstance(first, ast.JoinedStr) and first.values and isinstance(
                        lit := first.values[0], ast.Constant):
                    yield str(lit.value), node.lineno  # f"kontakt.commands.{name}"


def package_graph() -> dict[tuple[str, str], list[str]]:
    """(importing package, imported package) -> where ("path:line module")."""
    edges: dict[tuple[str, str], list[str]] = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            tree = ast.parse(path.read_text("utf-8"), str(path))
            for module, line in imported(tree):
                top = module.split(".")[0]
                if top in PACKAGES and top != pkg:
                    where = f"{path.relative_to(ROOT)}:{line} imports {module}"
                    edges.setdefault((pkg, top), []).append(where)
    return edges


def find_cycle(edges: dict[tuple[str, str], list[str]]) -> list[str]:
    """One cycle of the graph as [a, b, ..., a], or [] when there is none."""
    succ: dict[str, list[str]] = {}
    for a, b in sorted(edges):
        succ.setdefault(a, []).append(b)
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str]:
        if node in path:
            return [*path[path.index(node):], node]
        if node in done:
            return []
        for nxt in succ.get(node, []):
            if cycle := visit(nxt, [*path, node]):
                return cycle
        done.add(node)
        return []

    for start in sorted(succ):
        if cycle := visit(start, []):
            return cycle
    return []


def _explain(edges: dict[tuple[str, str], list[str]], pairs: list[tuple[str, str]]) -> str:
    return "\n".join(f"{a} -> {b}: " + "; ".join(edges[a, b]) for a, b in pairs)


def test_pure_domain_imports_no_io_library():
    offenders = []
    for path in _modules():
        for n, line in imported(ast.parse(path.read_text("utf-8"))):
            if n.split(".")[0] in FORBIDDEN:
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {n}")
    assert offenders == []


def test_scanner_sees_imports_inside_functions_and_by_name():
    tree = ast.parse("def f():\n    import kontakt.logs\n    from acd import agent\n"
                     "    importlib.import_module('tickets.store')\n"
                     "    importlib.import_module(f'kontakt.commands.{x}')\n"
                     "from . import sibling\n")
    assert [m for m, _ in imported(tree)] == ["kontakt.logs", "acd", "tickets.store",
                                              "kontakt.commands."]
    # and on the real tree: the composition root imports tickets inside functions only
    assert ("kontakt", "tickets") in package_graph()


def test_domain_packages_never_import_kontakt():
    edges = package_graph()
    bad = [(a, "kontakt") for a in DOMAIN if (a, "kontakt") in edges]
    assert not bad, "the domain imports the composition root:\n" + _explain(edges, bad)


def test_infra_is_a_leaf():
    edges = package_graph()
    bad = sorted(e for e in edges if e[0] == "infra")
    assert not bad, "infra must import no package of kontakt:\n" + _explain(edges, bad)


def test_no_import_cycle_between_packages():
    edges = package_graph()
    cycle = find_cycle(edges)
    pairs = list(itertools.pairwise(cycle))
    assert not cycle, f"import cycle {' -> '.join(cycle)}:\n" + _explain(edges, pairs)


def test_find_cycle_names_the_cycle():
    assert find_cycle({("a", "b"): [], ("b", "c"): [], ("c", "a"): [], ("c", "d"): []}) in (
        ["a", "b", "c", "a"], ["b", "c", "a", "b"], ["c", "a", "b", "c"])
    assert find_cycle({("a", "b"): [], ("a", "c"): [], ("b", "c"): []}) == []


def test_no_module_over_400_lines():
    long = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if set(rel.parts) & set(LONG_OK):
                continue
            n = len(path.read_text("utf-8").splitlines())
            if n > MAX_LINES:
                long.append(f"{rel}: {n} lines")
    assert not long, (f"modules over {MAX_LINES} lines (split them along their seams):\n"
                      + "\n".join(long))
