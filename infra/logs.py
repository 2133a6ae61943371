"""structlog set-up: key-value events, JSON when stderr is not a terminal.

Call handlers bind the call's uniqueid with ``bind_call`` so every event of
that call carries it (structlog contextvars).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog


def configure(level: str = "info", json: bool | None = None, stream: Any = None) -> None:
    stream = stream or sys.stderr
    if json is None:
        json = not stream.isatty()
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=False,
    )


def bind_call(uniqueid: str, **kw: Any) -> None:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(uniqueid=uniqueid, **kw)


get_logger = structlog.get_logger
