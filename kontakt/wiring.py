"""The object graph, built in one place: router (numbers, hours, IVR),
tickets, HTTP, MQTT, for `kontakt run` and `kontakt demo`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kontakt.runtime import Router, queue_everything
from kontakt.settings import Settings


def build_router(settings: Settings, at: str | None = None) -> Router:
    """The live router; ``at`` pins the clock (demo only)."""
    return queue_everything


async def start_extras(args: Any, settings: Settings, engine: Any, base: Path) -> list[Any]:
    """Optional parts (tickets, HTTP) for the demo; each has summary() and stop()."""
    return []


async def start_services(settings: Settings, engine: Any) -> list[Any]:
    """Long-running parts of `kontakt run` besides the engine (HTTP, outbox)."""
    return []


async def reload_config(settings: Settings) -> dict[str, Any]:
    """SIGHUP / `kontakt config reload`: validate and swap the configuration."""
    return {"reloaded": False, "issues": ["no configuration holder wired"]}
