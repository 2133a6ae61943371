"""ACD errors: a stable ``code`` and ``details`` for every refusal."""

from __future__ import annotations

from typing import Any


class AcdError(Exception):
    code = "acd.error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details = details


class IllegalTransition(AcdError):
    code = "agent.illegal_transition"


class IllegalCallTransition(IllegalTransition):
    """A call event its state does not take (an ``IllegalTransition`` too)."""

    code = "call.illegal_transition"


class UnknownAgent(AcdError):
    code = "agent.unknown"


class UnknownCall(AcdError):
    code = "call.unknown"


class IllegalConversationTransition(IllegalTransition):
    """A conversation event its state does not take."""

    code = "conversation.illegal_transition"


class UnknownConversation(AcdError):
    code = "conversation.unknown"


class BadCapacity(AcdError):
    code = "acd.bad_capacity"
