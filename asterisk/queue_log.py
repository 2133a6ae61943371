"""Asterisk's queue_log line format, so existing queue-reporting tools can
read the engine's calls: ``time|callid|queue|agent|event|data1|data2|data3``.

Rotation loses no line: logrotate renames the file (no copytruncate) and
a write, finding another file (or none) at the path, reopens it.  Writes
look at the path at most once a second (a stat per line was 1% of the
engine's CPU): lines written within that second of the rename land in the
renamed file, none is lost.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

CHECK_EVERY = 1.0  # seconds between looks at the path for a rotation


class QueueLog:
    def __init__(self, path: str | Path | None, queue: str = "kontakt") -> None:
        self.path = Path(path) if path else None
        self.queue = queue
        self._fh = self._open() if self.path else None
        self._checked = time.monotonic()  # when the path was last looked at

    def _open(self):  # type: ignore[no-untyped-def]
        assert self.path is not None
        return self.path.open("a", encoding="utf-8", buffering=1)

    def _reopen_if_rotated(self) -> None:
        assert self._fh is not None and self.path is not None
        clock = time.monotonic()
        if clock - self._checked < CHECK_EVERY:
            return
        self._checked = clock
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            st = None
        mine = os.fstat(self._fh.fileno())
        if st is None or (st.st_dev, st.st_ino) != (mine.st_dev, mine.st_ino):
            self._fh.close()
            self._fh = self._open()

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
            self._reopen_if_rotated()
            self._fh.write(line + "\n")  # line-buffered: readers see whole lines
        return line
