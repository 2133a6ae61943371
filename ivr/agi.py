"""The IVR over FastAGI: carries out the pure engine's commands on a call.

``run_ivr`` takes a panoramisk FastAGI ``Request`` (anything with an async
``send_command(line) -> dict``) or the engine's ``asterisk.fastagi.AgiSession``
(its ``command``), runs one ``ivr.engine.IvrSession`` to its end and returns
its ``dialplan.outcome.Outcome``.  It never hangs up and never dials: the
caller of ``run_ivr`` hands queue outcomes to the ACD (an ``{operator: SKILL}``
option's skill is in ``Outcome.skills``, after the language), turns callback
outcomes into tickets of kind ``callback``, and lets the dialplan end refused
and closed calls.  A caller hanging up mid-command ends the session quietly
with the action ``hung_up``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from dialplan.model import Config
from dialplan.outcome import Action, Outcome
from infra.logs import get_logger
from ivr.engine import (
    Command,
    IvrSession,
    LookupStatus,
    Play,
    ReadDigits,
    SayDigits,
    ToOperator,
)
from ivr.prompts import PromptLibrary

log = get_logger()

ESCAPE = "0123456789*#"
_HANGUP_ERRORS = {"AGIResultHangup", "AGIAppError", "CallHungUp"}


class _HungUp(Exception):
    pass


async def run_ivr(agi: Any, config: Config, *, caller: str | None, dialled: str, at: datetime,
                  prompts: PromptLibrary,
                  ticket_status: Callable[[str], Awaitable[str | None]] | None = None,
                  defer_farewell: bool = False) -> Outcome:
    """Run the IVR for one call on ``config`` (the snapshot taken at its start).

    ``defer_farewell``: the prompt right before the hand-over to an operator
    is not played but returned in ``Outcome.farewell``, for the engine to
    play with the ring (the agent is chosen while it plays)."""
    session = IvrSession(config, caller=caller, dialled=dialled, at=at)
    runner = _Runner(agi, prompts)
    try:
        cmds = session.start()
        # Refusals are told in early media: the caller is not charged for them.
        runner.answer_with = "EXEC Progress" if session.finished else "ANSWER"
        while True:
            farewell = _farewell(cmds, prompts) if defer_farewell else None
            if farewell is not None:
                cmds = cmds[:-2] + cmds[-1:]
            for i, cmd in enumerate(cmds):
                terminal = await runner.do(cmd, question_follows=_asks(cmds[i + 1:]))
                if terminal is not None:
                    out = _finished(session)
                    return replace(out, farewell=farewell) if farewell else out
            cmds = await runner.next_cmds(session, ticket_status)
    except _HungUp as e:
        log.info("ivr.hung_up", state=session.state, at_command=str(e)[:60],
                 menu_path=session.menu_path)
        adm = session.admission
        return Outcome(Action.HUNG_UP, f"the caller hung up in the IVR ({session.state})",
                       session.language, caller=adm.caller.e164 if adm else None,
                       menu_path=tuple(session.menu_path))


def _farewell(cmds: list[Command], prompts: PromptLibrary) -> str | None:
    """The path of a batch's last prompt when the batch hands the call to an
    operator (``[..., Play, ToOperator]``), else None."""
    if len(cmds) >= 2 and isinstance(cmds[-1], ToOperator) and isinstance(cmds[-2], Play):
        return prompts.path(cmds[-2].prompt, cmds[-2].language)
    return None


def _asks(after: list[Command]) -> bool:
    """Whether a question (ReadDigits) follows in the batch: then a key pressed
    during the command before it is the answer to it (type-ahead)."""
    return any(isinstance(c, ReadDigits) for c in after)


async def _lookup(ticket_status: Callable[[str], Awaitable[str | None]] | None,
                  ticket: str) -> str | None:
    if ticket_status is None:
        return None
    try:
        return await ticket_status(ticket)
    except Exception as e:  # a broken store must not drop the call
        log.warning("ivr.status_lookup_failed", ticket=ticket, error=str(e))
        return None


def _finished(session: IvrSession) -> Outcome:
    out = session.result()
    # At debug: the engine's call.routed says the same at info (its route).
    log.debug("ivr.finished", outcome=out.action.value, language=out.language,
             skills=list(out.skills), menu_path=list(out.menu_path), reason=out.reason)
    return out


def _key(result: dict[str, Any]) -> str:
    """The key in a STREAM FILE / WAIT FOR DIGIT result (its ASCII code), or ''."""
    code = result.get("result", ("0", ""))[0]
    return chr(int(code)) if code.isdigit() and int(code) > 0 else ""


class _Runner:
    def __init__(self, agi: Any, prompts: PromptLibrary) -> None:
        self.agi, self.prompts = agi, prompts
        self.answer_with = "ANSWER"
        self.answered = False
        self.keys: str | None = None          # the last ReadDigits' answer
        self.pending_lookup: str | None = None
        self.typed = ""                        # a key pressed ahead of the question

    async def send(self, line: str) -> dict[str, Any]:
        send = getattr(self.agi, "send_command", None) or self.agi.command
        try:
            result: dict[str, Any] = await send(line)
        except (ConnectionError, asyncio.IncompleteReadError) as e:
            raise _HungUp(line) from e
        except Exception as e:
            if type(e).__name__ in _HANGUP_ERRORS:
                raise _HungUp(line) from e
            raise
        log.debug("ivr.agi_command", line=line, result=result.get("result"),
                  error=result.get("error"))
        if result.get("error") in _HANGUP_ERRORS:
            raise _HungUp(line)
        if result.get("result", ("", ""))[0] == "-1":
            raise _HungUp(line)
        return result

    async def _audible(self) -> None:
        if not self.answered:
            self.answered = True
            await self.send(self.answer_with)

    async def stream(self, path: str, escape: str = "") -> str:
        """Play one file; the key that interrupted it, or ''."""
        await self._audible()
        r = await self.send(f'STREAM FILE {path} "{escape}"')
        return _key(r)

    async def do(self, cmd: Command, *, question_follows: bool = False) -> Command | None:
        """Carry out one command; a terminal command is returned, not carried out.

        A key pressed during a prompt that leads up to a question skips the
        rest of the prompts and answers the question (type-ahead).
        """
        escape = ESCAPE if question_follows else ""
        if isinstance(cmd, Play):
            if not self.typed:
                self.typed = await self.stream(self.prompts.path(cmd.prompt, cmd.language), escape)
        elif isinstance(cmd, SayDigits):
            for d in cmd.digits:
                if not self.typed:
                    self.typed = await self.stream(self.prompts.digit(d, cmd.language), escape)
        elif isinstance(cmd, ReadDigits):
            typed, self.typed = self.typed, ""
            self.keys = await self.read(cmd, typed)
        elif isinstance(cmd, LookupStatus):
            self.pending_lookup = cmd.ticket
        else:
            return cmd
        return None

    async def read(self, cmd: ReadDigits, typed: str = "") -> str:
        """Play the question's prompts (a key interrupts) and collect the answer."""
        langs = cmd.languages or (cmd.language,) * len(cmd.prompts)
        paths = [self.prompts.path(p, lg) for p, lg in zip(cmd.prompts, langs, strict=True)]
        if cmd.max_digits > 1:  # a request number: GET DATA ends it on # or the timeout
            if typed:
                return typed + await self.get_data("silence/1", cmd, cmd.max_digits - 1)
            for path in paths[:-1]:
                key = await self.stream(path, ESCAPE)
                if key:
                    return key + await self.get_data("silence/1", cmd, cmd.max_digits - 1)
            return await self.get_data(paths[-1], cmd, cmd.max_digits)
        # One key: STREAM FILE + WAIT FOR DIGIT, so * and # are keys like any other.
        if typed:
            return typed
        for path in paths:
            key = await self.stream(path, ESCAPE)
            if key:
                return key
        r = await self.send(f"WAIT FOR DIGIT {int(cmd.timeout * 1000)}")
        return _key(r)

    async def get_data(self, path: str, cmd: ReadDigits, max_digits: int) -> str:
        await self._audible()
        r = await self.send(f"GET DATA {path} {int(cmd.timeout * 1000)} {max_digits}")
        value = r.get("result", ("", ""))[0]
        return value if value and value != "-1" else ""

    async def next_cmds(self, session: IvrSession,
                        ticket_status: Callable[[str], Awaitable[str | None]] | None,
                        ) -> list[Command]:
        """The engine's answer to what happened last (keys, or a status looked up)."""
        if self.pending_lookup is not None:
            ticket, self.pending_lookup = self.pending_lookup, None
            return session.status_result(await _lookup(ticket_status, ticket))
        if self.keys is None:  # the engine always ends with a terminal command
            raise RuntimeError(f"IVR session stalled in state {session.state!r}")
        keys, self.keys = self.keys, None
        return session.answer(keys)
