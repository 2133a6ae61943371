"""The live configuration of a running engine, swapped whole on reload.

``ConfigHolder(path)`` loads the file at once (raising ``ConfigInvalid`` if
the first load fails: an engine does not start on a broken file).  Later,
``reload()`` (on SIGHUP, or ``kontakt config reload``) and ``apply_text()``
(the admin page) check the new text first and swap only a good one; a bad one
is refused with its issues and the running configuration stays.

Calls read ``holder.current`` once, at their start, and keep that snapshot:
a call inside the IVR finishes on the configuration it started with.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dialplan.loader import ConfigInvalid, Issue, default_path, load_config, parse_config
from dialplan.model import Config


class ConfigHolder:
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.current: Config = load_config(self.path)
        self.version = 1
        self.listeners: list[Callable[[Config], None]] = []  # told after each swap

    @property
    def source(self) -> Path:
        return self.path if self.path is not None else default_path()

    @property
    def text(self) -> str:
        """The YAML of the running configuration."""
        return self.current.text

    def reload(self) -> list[Issue]:
        """Re-read the file; [] when applied, else its issues (nothing changes)."""
        try:
            config = load_config(self.path)
        except ConfigInvalid as e:
            return e.issues
        self._swap(config)
        return []

    def validate_text(self, text: str) -> list[dict[str, Any]]:
        """Issues of a candidate text, as dicts with file, line, message."""
        try:
            parse_config(text, str(self.source))
        except ConfigInvalid as e:
            return [i.to_dict() for i in e.issues]
        return []

    def apply_text(self, text: str) -> Config:
        """Check, write (atomically) and swap in a new text; ``ConfigInvalid`` if bad."""
        config = parse_config(text, str(self.source))
        if self.path is not None:
            _write_atomically(self.path, text)
        self._swap(config)
        return config

    def _swap(self, config: Config) -> None:
        self.current = config
        self.version += 1
        for listener in list(self.listeners):
            listener(config)


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
