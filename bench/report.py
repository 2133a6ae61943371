"""One machine-readable line per benchmark table, so runs can be compared:
``BENCH {"table": ..., figures...}`` on stdout, after the table it sums up."""

from __future__ import annotations

import json
from typing import Any


def bench_line(table: str, **figures: Any) -> None:
    print("BENCH " + json.dumps({"table": table, **figures}, ensure_ascii=False), flush=True)
