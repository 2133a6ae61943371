"""Ports of the ticket service (implemented by adapters, faked in unit tests)."""

from __future__ import annotations

from typing import Any, Protocol


class TransferFailed(Exception):
    """A call transfer did not happen; ``code`` is stable, ``details`` say why
    (Asterisk's own message under ``reason`` when it gave one)."""

    def __init__(self, code: str, message: str = "", **details: Any) -> None:
        super().__init__(message or code)
        self.code, self.details = code, details


class CallControl(Protocol):
    """Moves a live call.  Both raise ``TransferFailed`` and leave the call
    where it was when they fail."""

    async def blind_transfer(self, channel: str, number: str) -> None: ...

    async def attended_transfer(self, channel: str, number: str) -> None: ...
