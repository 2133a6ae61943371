"""`kontakt route`: one call walked through the IVR with keys given up front.

``route`` drives the very ``ivr.engine.IvrSession`` that live calls run over
FastAGI (not a copy of it) with the keys given, and reports where the walk
ended as one ``RouteDecision``.  Pure: no I/O, the clock is an argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dialplan.model import Config
from ivr.engine import Closed, IvrSession, RecordCallback, Reject, ToOperator


@dataclass(frozen=True)
class RouteDecision:
    """What would happen to one call (and what happens to a live one)."""

    open: bool
    action: str               # queue, callback, closed, reject, menu, status
    reason: str
    language: str | None
    menu_path: list[str] = field(default_factory=list)
    caller_e164: str | None = None
    number: str = ""
    skills: list[str] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)   # "lang/prompt" in the order played
    waiting_in: str | None = None                        # menu waiting for a key ("menu")

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
    common: dict[str, Any] = {
        "open": adm.gate == "open", "menu_path": list(session.menu_path),
        "caller_e164": adm.caller.e164, "number": adm.dialled, "prompts": list(session.played)}
    out = session.outcome
    lang = session.language if adm.gate in ("open", "closed") else None
    if isinstance(out, ToOperator):
        return RouteDecision(action="queue", reason=f"{adm.reason}; {out.reason}",
                             language=out.language, skills=list(out.skills), **common)
    if isinstance(out, RecordCallback):
        return RouteDecision(action="callback", reason=out.reason, language=lang, **common)
    if isinstance(out, Reject):
        return RouteDecision(action="reject", reason=out.reason, language=None, **common)
    if isinstance(out, Closed):
        return RouteDecision(action="closed", reason=out.reason, language=lang, **common)
    if session.state == "status_lookup":
        return RouteDecision(action="status", reason=f"{adm.reason}; looking up request "
                             f"{session.ticket}", language=lang, **common)
    waiting = session.waiting_in
    if waiting == "callback_offer":
        return RouteDecision(action="closed", reason=f"{adm.reason}; a callback request "
                             "is offered (press 1)", language=lang,
                             waiting_in=waiting, **common)
    why = f"{adm.reason}; waiting for a key in {waiting!r}"
    return RouteDecision(action="menu", reason=why, language=lang, waiting_in=waiting, **common)
