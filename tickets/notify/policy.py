"""What happens to a notification after each attempt (pure; one transition table).

States: ``pending`` (waiting for its next attempt, maybe after failures),
``sent``, ``failed`` (the gateway refused it for good, e.g. a recipient the
server rejects) and ``gave_up`` (still failing after ``max_attempts``).  No
state deletes a row: ``failed`` and ``gave_up`` stay listed on the ticket,
and an administrator can put them back to ``pending`` (event ``rearm``).
A ``pending`` row that keeps failing (or that no worker picks up) can be
made due at once, its attempts kept (event ``retry_now``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

PENDING, SENT, FAILED, GAVE_UP = "pending", "sent", "failed", "gave_up"
STATES = (PENDING, SENT, FAILED, GAVE_UP)

DELIVERED = "delivered"
FAILED_RETRYABLE = "failed_retryable"
FAILED_PERMANENT = "failed_permanent"
REARM = "rearm"
RETRY_NOW = "retry_now"

# (state, event) -> next state.  A retryable failure stays pending unless the
# attempts are used up (see ``after``): the only guarded transition.
TRANSITIONS: dict[tuple[str, str], str] = {
    (PENDING, DELIVERED): SENT,
    (PENDING, FAILED_RETRYABLE): PENDING,
    (PENDING, FAILED_PERMANENT): FAILED,
    (FAILED, REARM): PENDING,
    (GAVE_UP, REARM): PENDING,
    (PENDING, RETRY_NOW): PENDING,
}

Backoff = Callable[[int], float]


class TransitionError(Exception):
    """An event that makes no sense in the notification's state."""

    code = "notify.bad_transition"

    def __init__(self, state: str, event: str) -> None:
        self.details: dict[str, Any] = {"state": state, "event": event}
        super().__init__(f"notification in state {state!r} cannot take event {event!r}")


@dataclass(frozen=True)
class Next:
    status: str
    attempts: int
    next_attempt_at: datetime | None


def exponential_backoff(base: float = 30.0, factor: float = 2.0, cap: float = 3600.0) -> Backoff:
    """Seconds to wait after the n-th failed attempt: base, base*factor, ... up to cap."""

    def delay(attempts: int) -> float:
        return float(min(cap, base * factor ** max(0, attempts - 1)))

    return delay


def after(state: str, event: str, *, attempts: int, now: datetime, max_attempts: int,
          backoff: Backoff) -> Next:
    """The notification's next state, attempt count and due time after ``event``.

    ``attempts`` is the count before the event; an attempt event adds one.
    """
    try:
        target = TRANSITIONS[(state, event)]
    except KeyError:
        raise TransitionError(state, event) from None
    if event == REARM:
        return Next(PENDING, 0, now)
    if event == RETRY_NOW:
        return Next(PENDING, attempts, now)
    attempts += 1
    if target == PENDING and attempts >= max_attempts:
        return Next(GAVE_UP, attempts, None)
    if target == PENDING:
        return Next(PENDING, attempts, now + timedelta(seconds=backoff(attempts)))
    return Next(target, attempts, None)
