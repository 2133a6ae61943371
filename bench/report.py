"""One JSON object per benchmark table on a stdout line starting with ``BENCH ``.

Every table's ``main`` returns its figures as a dict and prints them through
``bench_line`` so runs can be compared by grepping ``^BENCH ``.
"""

from __future__ import annotations

import json
from typing import Any


def bench_line(table: str, **figures: Any) -> dict[str, Any]:
    """Print ``BENCH {"table": table, **figures}`` and return that dict."""
    row: dict[str, Any] = {"table": table, **figures}
    print("BENCH " + json.dumps(row, sort_keys=False, default=str), flush=True)
    return row
