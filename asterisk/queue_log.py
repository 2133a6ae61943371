"""Asterisk's queue_log line format, so existing queue-reporting tools can
read the engine's calls: ``time|callid|queue|agent|event|data1|data2|data3``."""

from __future__ import annotations

import time
from pathlib import Path


class QueueLog:
    def __init__(self, path: str | Path | None, queue: str = "kontakt") -> None:
        self.path = Path(path) if path else None
        self.queue = queue
        self._fh = self.path.open("a", encoding="utf-8", buffering=1) if self.path else None

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def write(
        self, callid: str, agent: str, event: str, *data: object, now: float | None = None
    ) -> str:
        fields = [
            str(int(now if now is not None else time.time())),
            callid or "NONE",
            self.queue,
            agent or "NONE",
            event,
            *("" if d is None else str(d) for d in data),
        ]
        line = "|".join(f.replace("|", "/").replace("\n", " ") for f in fields)
        if self._fh is not None:
            self._fh.write(line + "\n")  # line-buffered: readers see whole lines
        return line
