"""How a call leaves the router: the one type the IVR, the engine's router
and `kontakt route` share, so nothing the caller chose is dropped between
them (the skill of an ``{operator: SKILL}`` option reaches the ACD)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    QUEUE = "queue"  # to an operator who has every one of ``skills``
    REJECT = "reject"  # number rules: counted rejected, not lost
    CLOSED = "closed"  # outside the hours, no callback asked for
    CALLBACK = "callback"  # record a callback request for ``caller``
    HUNG_UP = "hung_up"  # the caller left before a decision


@dataclass(frozen=True)
class Outcome:
    action: Action
    reason: str
    language: str = "sr"
    # Every skill the answering operator must have: the language first, then
    # the skill of the menu option, if any.  Empty means (language,).
    skills: tuple[str, ...] = ()
    priority: int = 5  # lower is served first
    caller: str | None = None  # E.164 when known
    menu_path: tuple[str, ...] = ()
    # The IVR's last words to a caller going to an operator ("connecting
    # you"), left unplayed when asked for (``run_ivr(defer_farewell=True)``):
    # the STREAM FILE path the engine plays with the ring, so the agent's
    # phone rings in the very next dialplan step after it.
    farewell: str | None = None

    @property
    def needs(self) -> tuple[str, ...]:
        """The skills an operator needs for this call, never empty."""
        return self.skills or (self.language,)


def straight_to_operator(reason: str = "no configuration: straight to an operator") -> Outcome:
    """The decision when no configuration is loaded (router = direct)."""
    return Outcome(Action.QUEUE, reason)
