"""The one step of every ACD state machine (agent, call, conversation): the
state an event leads to in a transition table, or the package's error that
names the thing, its state and the event."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from acd.errors import IllegalTransition

S = TypeVar("S", bound=StrEnum)
E = TypeVar("E", bound=StrEnum)


def step(
    table: Mapping[S, Mapping[E, S]],
    state: S,
    event: E,
    *,
    error: type[IllegalTransition],
    kind: str,
    ident: object,
) -> S:
    """``table[state][event]``; raises ``error`` ("{kind} {ident}: cannot
    {event} while {state}", details ``{kind: ident, state, event}``) if the
    state does not take the event."""
    target = table[state].get(event)
    if target is None:
        raise error(
            f"{kind} {ident}: cannot {event.value} while {state.value}",
            **{kind: ident},
            state=state.value,
            event=event.value,
        )
    return target


def check_agent(
    needed: bool,
    agent: str | None,
    state: StrEnum,
    event: StrEnum,
    *,
    error: type[IllegalTransition],
    kind: str,
    ident: object,
) -> None:
    """Raises ``error`` unless an agent is given exactly when the event
    ``needed`` one."""
    if needed != (agent is not None):
        raise error(
            f"{kind} {ident}: {event.value} "
            + ("needs an agent" if agent is None else f"takes no agent, got {agent!r}"),
            **{kind: ident},
            state=state.value,
            event=event.value,
            agent=agent,
        )
