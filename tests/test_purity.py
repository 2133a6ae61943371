"""The pure domain imports no I/O library (checked by reading the source)."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
FORBIDDEN = ("panoramisk", "sqlalchemy", "aiomqtt", "starlette", "fastapi", "httpx", "uvicorn",
             "asyncpg", "aiosqlite", "aiosmtplib", "kontakt")
PURE = ["acd", "ivr/engine.py", "dialplan/calendar.py", "dialplan/numbers.py",
        "dialplan/routing.py", "dialplan/model.py", "ivr/walk.py", "tickets/domain.py",
        "tickets/notify/messages.py", "tickets/notify/policy.py"]


def _modules():
    for entry in PURE:
        p = ROOT / entry
        if p.is_dir():
            yield from sorted(p.rglob("*.py"))
        elif p.exists():
            yield p


def test_pure_domain_imports_no_io_library():
    offenders = []
    for path in _modules():
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for n in names:
                if n.split(".")[0] in FORBIDDEN:
                    offenders.append(f"{path.relative_to(ROOT)} imports {n}")
    assert offenders == []
