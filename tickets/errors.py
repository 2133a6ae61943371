"""The ticket domain's errors: each with a stable ``code`` and ``details``
(wazo style), so the HTTP layer and the CLI map them without guessing."""

from __future__ import annotations

from typing import Any


class TicketError(Exception):
    """Base: a stable ``code`` and ``details`` (wazo style)."""

    code = "ticket.error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details: dict[str, Any] = details


class IllegalTransition(TicketError):
    code = "ticket.illegal_transition"


class Forbidden(TicketError):
    code = "ticket.forbidden"


class NotFound(TicketError):
    code = "ticket.not_found"


class InvalidTicket(TicketError):
    code = "ticket.invalid"


class UnknownDepartment(TicketError):
    code = "ticket.unknown_department"


class KindNotTaken(TicketError):
    code = "ticket.kind_not_taken"
