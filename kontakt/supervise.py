"""The supervisor's telephony tools: listen to an operator's live call,
whisper to the operator, barge in (Asterisk's ChanSpy).

The supervisor's own phone rings (an Originate to ``PJSIP/supervisorNN``,
the phone given to that user by setting ``supervisor_phones``); when it
answers, the dialplan's ``kontakt-spy`` context runs ChanSpy on the
operator's channel.  Nothing of the request reaches a channel name: the
agent must be one the engine knows and is talking now (``^agent[0-9]{2}$``,
filtered again by the dialplan), the phone comes from the settings, the
mode picks one of three fixed extensions.  Every use is written to the
audit log, refused ones too."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from infra.logs import get_logger
from kontakt.privacy.audit import Entry

log = get_logger()

MODES = {"listen": "l", "whisper": "w", "barge": "b"}  # mode -> kontakt-spy extension
_AGENT = re.compile(r"agent[0-9]{2}")
_PHONE = re.compile(r"supervisor[0-9]{2}")


class SuperviseError(Exception):
    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.details = status, code, details


@dataclass(frozen=True)
class Started:
    agent: str
    mode: str
    phone: str
    call: str  # the operator's call (uniqueid)


class Supervise:
    def __init__(self, ami: Any, engine: Any, phones: Mapping[str, str],
                 ring_timeout: float = 30.0) -> None:
        self.ami, self.engine, self.phones = ami, engine, dict(phones)
        self.ring_timeout = ring_timeout

    def phone_of(self, username: str) -> str | None:
        phone = self.phones.get(username)
        return phone if phone and _PHONE.fullmatch(phone) else None

    async def start(self, user: Any, agent: str, mode: str, *, audit: Any,
                    client: str | None = None) -> Started:
        entry = {"agent": agent[:16], "mode": mode[:16]}
        try:
            started = self._check(user, agent, mode)
        except SuperviseError as e:
            await audit.record([Entry(user.username, user.role, f"call.{_mode(mode)}", None,
                                      f"refused: {e.code}", client, entry)])
            raise
        await audit.record([Entry(user.username, user.role, f"call.{mode}", None,
                                  "supervision", client,
                                  {**entry, "phone": started.phone, "call": started.call})])
        try:
            await self.ami.action(
                "Originate", Channel=f"PJSIP/{started.phone}", Context="kontakt-spy",
                Exten=MODES[mode], Priority=1, Async="true",
                CallerID=f"{mode} {agent} <{agent}>", Timeout=int(self.ring_timeout * 1000),
                Variable=f"KONTAKT_SPY_AGENT={agent}")
        except Exception as e:  # AMI refused or gone: a clear error, audited above
            log.warning("supervise.originate_failed", agent=agent, mode=mode, error=str(e))
            raise SuperviseError(502, "supervise.pbx", "Asterisk did not ring the phone") from None
        log.info("supervise.started", supervisor=user.username, agent=agent, mode=mode,
                 phone=started.phone, uniqueid=started.call)
        return started

    def _check(self, user: Any, agent: str, mode: str) -> Started:
        if mode not in MODES:
            raise SuperviseError(422, "supervise.bad_mode",
                                 f"mode must be one of {', '.join(MODES)}")
        phone = self.phone_of(user.username)
        if phone is None:
            raise SuperviseError(409, "supervise.no_phone",
                                 "no phone is given to this supervisor (setting "
                                 "supervisor_phones)", username=user.username)
        if not _AGENT.fullmatch(agent):
            raise SuperviseError(404, "supervise.unknown_agent", f"no operator {agent!r}")
        snap = self.engine.snapshot() if self.engine is not None else {"agents": []}
        found = next((a for a in snap.get("agents", []) if a.get("id") == agent), None)
        if found is None:
            raise SuperviseError(404, "supervise.unknown_agent", f"no operator {agent!r}")
        if found.get("state") != "talking" or not found.get("call"):
            raise SuperviseError(409, "supervise.not_talking", f"{agent} is not in a call",
                                 state=found.get("state"))
        return Started(agent, mode, phone, str(found["call"]["uniqueid"]))


def _mode(mode: str) -> str:
    return mode if mode in MODES else "listen"
