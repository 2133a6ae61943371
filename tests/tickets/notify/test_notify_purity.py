"""The notification texts and the retry policy are pure: no I/O library, no kontakt."""

from __future__ import annotations

import ast
import pathlib

import tickets.notify

PURE = ("messages.py", "policy.py")
FORBIDDEN = {"panoramisk", "sqlalchemy", "aiomqtt", "starlette", "httpx", "uvicorn", "asyncpg",
             "aiosqlite", "aiosmtplib", "kontakt", "asyncio", "socket"}


def test_pure_modules_import_no_io():
    root = pathlib.Path(tickets.notify.__file__).parent
    offenders = []
    for name in PURE:
        for node in ast.walk(ast.parse((root / name).read_text("utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{name} imports {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []
