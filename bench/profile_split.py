"""The engine's CPU split by part, from a py-spy raw profile (``bench_setup
--profile``, sampled with ``--gil``: only samples holding the GIL, i.e. the
engine's own Python work, as the CPU per call counts it).

Each sample goes to the first part whose marker appears in its stack, read
from the innermost frame outward, so a log line written while handling an
AMI event counts as logging, and the event's own handling as AMI.

    python -m bench.profile_split FILE [FILE ...]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path


def _calls(*modules: str) -> tuple[str, ...]:
    # py-spy names kontakt/calls/ modules by their file name alone
    return tuple(f"({m}.py" for m in modules) + tuple(f"kontakt/calls/{m}.py" for m in modules)


# (part, markers in a frame's text); the first part that matches, innermost first.
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("logging (structlog)", ("structlog/",)),
    ("database (event log, outbox marks)", ("sqlalchemy/", "aiosqlite/", "infra/raw_sqlite",
                                            "infra/db.py", "kontakt/eventlog.py")),
    ("MQTT (outbox publisher)", ("paho/", "aiomqtt/", "kontakt/outbox.py")),
    ("FastAGI + IVR", ("asterisk/fastagi.py", "asterisk/agi_reply.py", "asterisk/agi_env",
                       "ivr/", "dialplan/", "kontakt/router.py", "phonenumbers/",
                       *_calls("routes", "waiting", "voice"))),
    ("AMI + call core + ACD", ("asterisk/ami", "panoramisk/", "acd/", "asterisk/queue_log.py",
                               "kontakt/agent_store.py", "kontakt/chat/",
                               *_calls("core", "publish", "engine", "contacts", "stats",
                                       "fastpath", "callbacks", "reconcile", "adapters"))),
)
LOOP = "event loop, sockets, asyncio"


def split(lines: list[str]) -> Counter[str]:
    parts: Counter[str] = Counter()
    for line in lines:
        stack, _, n = line.rstrip().rpartition(" ")
        if not n.isdigit():
            continue
        frames = stack.split(";")[::-1]
        parts[_part(frames)] += int(n)
    return parts


def _part(frames: list[str]) -> str:
    for frame in frames:
        for name, markers in PARTS:
            if any(m in frame for m in markers):
                return name
    return LOOP


def main(argv: list[str]) -> None:
    total: Counter[str] = Counter()
    for f in argv:
        total += split(Path(f).read_text().splitlines())
    n = sum(total.values()) or 1
    print(f"{'part of the engine':<38}{'share':>8}")
    for name, count in total.most_common():
        print(f"{name:<38}{100 * count / n:>7.1f}%")


if __name__ == "__main__":
    main(sys.argv[1:])
