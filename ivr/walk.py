"""`kontakt route`: one call walked through the IVR with keys given up front.

``route`` drives the very ``ivr.engine.IvrSession`` that live calls run over
FastAGI (not a copy of it) with the keys given, and reports where the walk
ended as one ``RouteDecision``: the call's ``Outcome`` (the type the router and
the ACD take) once it left the IVR, else where it is still waiting.  Pure: no
I/O, the clock is an argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from dialplan.model import Config
from dialplan.outcome import Action, Outcome
from ivr.engine import IvrSession


@dataclass(frozen=True)
class Waiting:
    """A walk that ended with the call still in the IVR (keys ran out)."""

    action: Literal["menu", "status", "closed"]  # closed: a callback request is offered
    reason: str
    # The menu id, "language", "status" (a request number) or "callback_offer";
    # None while a request's status is being looked up.
    waiting_in: str | None


@dataclass(frozen=True)
class RouteDecision:
    """What would happen to one call: exactly one of ``outcome`` (it left the
    IVR) and ``waiting`` (it is still in it), plus what the walk heard."""

    open: bool
    number: str                      # dialled: E.164 when it parses, else as dialled
    caller_e164: str | None
    language: str | None             # None for a refused or unknown number
    menu_path: tuple[str, ...] = ()
    prompts: tuple[str, ...] = ()    # "lang/prompt" in the order played
    outcome: Outcome | None = None
    waiting: Waiting | None = None

    def __post_init__(self) -> None:
        if (self.outcome is None) == (self.waiting is None):
            raise ValueError("a RouteDecision has exactly one of outcome and waiting")

    @property
    def action(self) -> str:
        """queue, callback, closed, reject (the outcome's), or menu, status."""
        return self.outcome.action.value if self.outcome else self._waiting.action

    @property
    def reason(self) -> str:
        return self.outcome.reason if self.outcome else self._waiting.reason

    @property
    def skills(self) -> tuple[str, ...]:
        return self.outcome.skills if self.outcome else ()

    @property
    def waiting_in(self) -> str | None:
        return self.waiting.waiting_in if self.waiting else None

    @property
    def _waiting(self) -> Waiting:
        assert self.waiting is not None
        return self.waiting

    def to_dict(self) -> dict[str, Any]:
        return {"open": self.open, "action": self.action, "reason": self.reason,
                "language": self.language, "menu_path": list(self.menu_path),
                "caller_e164": self.caller_e164, "number": self.number,
                "skills": list(self.skills), "prompts": list(self.prompts),
                "waiting_in": self.waiting_in}


def route(config: Config, *, to_number: str, from_number: str | None, at: datetime,
          digits: Sequence[str] = ()) -> RouteDecision:
    """Walk one call through the IVR with the given key presses.

    Each item of ``digits`` is one answer to one prompt ("1", or "12345#" for
    a request number); an empty item is a timeout.  A status lookup asked
    for in the walk is answered "no such request" (no ticket store here).
    """
    session = IvrSession(config, caller=from_number, dialled=to_number, at=at)
    session.start()
    for answer in digits:
        if session.finished:
            break
        if session.state == "status_lookup":
            session.status_result(None)
        session.answer(answer)
    return decision(session)


def decision(session: IvrSession) -> RouteDecision:
    """Where ``session`` stands: its outcome once done, else what it waits for."""
    adm = session.admission
    assert adm is not None, "decision() before start()"
    outcome = session.result() if session.finished else None
    reject = outcome is not None and outcome.action == Action.REJECT
    common: dict[str, Any] = {
        "open": adm.gate == "open", "number": adm.dialled, "caller_e164": adm.caller.e164,
        "language": None if reject or adm.gate not in ("open", "closed") else session.language,
        "menu_path": tuple(session.menu_path), "prompts": tuple(session.played)}
    if outcome is not None:
        return RouteDecision(outcome=outcome, **common)
    return RouteDecision(waiting=_waiting(session, adm.reason), **common)


def _waiting(session: IvrSession, admitted: str) -> Waiting:
    if session.state == "status_lookup":
        return Waiting("status", f"{admitted}; looking up request {session.ticket}", None)
    where = session.waiting_in
    if where == "callback_offer":
        return Waiting("closed", f"{admitted}; a callback request is offered (press 1)", where)
    return Waiting("menu", f"{admitted}; waiting for a key in {where!r}", where)
