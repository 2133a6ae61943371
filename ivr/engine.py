"""The IVR menu engine: pure, events in, commands out (h11 style).

One ``IvrSession`` per call.  Feed it events (``Start``, ``Digits``,
``Timeout``, ``StatusResult``) with ``send``; it returns the commands to carry
out, in order (``Play``, ``ReadDigits``, ``SayDigits``, ``LookupStatus``) and
ends with exactly one terminal command (``ToOperator``, ``RecordCallback``,
``Reject``, ``Closed``).  Which event is legal in which state is one table,
``TRANSITIONS``; anything else raises ``IvrError`` naming state and event.
Once done, ``result()`` tells how the call left the IVR as the one
``dialplan.outcome.Outcome`` the router, the ACD and `kontakt route` share.

The session holds the ``Config`` it was created with for its whole life: a
reload never changes a call already in the IVR.  ``ivr.agi`` carries the
commands out over FastAGI; ``ivr.walk.route`` drives the same session with
keys from the command line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dialplan.model import Config, Menu
from dialplan.outcome import Action, Outcome
from dialplan.routing import Admission, admit

# -- events --------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    pass


@dataclass(frozen=True)
class Digits:
    digits: str  # what the caller keyed in (a trailing # ends a request number)


@dataclass(frozen=True)
class Timeout:
    pass


@dataclass(frozen=True)
class StatusResult:
    status: str | None  # the request's status (active, resolved, ...), None: no such request


Event = Start | Digits | Timeout | StatusResult

# -- commands ------------------------------------------------------------------


@dataclass(frozen=True)
class Play:
    prompt: str
    language: str


@dataclass(frozen=True)
class ReadDigits:
    """Play the prompts (a key interrupts them), then wait for keys."""

    prompts: tuple[str, ...]
    language: str
    timeout: float
    max_digits: int = 1
    languages: tuple[str, ...] = ()  # per prompt, when they differ (the language menu)


@dataclass(frozen=True)
class SayDigits:
    digits: str
    language: str


@dataclass(frozen=True)
class LookupStatus:
    ticket: str


@dataclass(frozen=True)
class ToOperator:
    language: str
    skills: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class RecordCallback:
    caller: str  # E.164
    language: str
    reason: str


@dataclass(frozen=True)
class Reject:
    reason: str


@dataclass(frozen=True)
class Closed:
    reason: str


Command = (Play | ReadDigits | SayDigits | LookupStatus
           | ToOperator | RecordCallback | Reject | Closed)
Terminal = ToOperator | RecordCallback | Reject | Closed
TERMINAL = (ToOperator, RecordCallback, Reject, Closed)
# How each terminal command but ToOperator (which carries skills) leaves the IVR.
_LEAVES = {RecordCallback: Action.CALLBACK, Reject: Action.REJECT, Closed: Action.CLOSED}

# A request's status, as the ticket store names it, to the prompt that says it.
STATUS_PROMPTS = {
    "new": "status_active", "forwarded": "status_active", "active": "status_active",
    "активан": "status_active", "resolved": "status_resolved", "closed": "status_resolved",
    "решен": "status_resolved", "cancelled": "status_cancelled", "отказан": "status_cancelled",
    # Still being handled, as far as the citizen is concerned.
    "waiting": "status_active", "returned": "status_active", "merged": "status_active",
}


class IvrError(Exception):
    """An event the session cannot take in its state (a bug in the caller)."""

    code = "ivr.unexpected_event"

    def __init__(self, state: str, event: object) -> None:
        super().__init__(f"IVR session in state {state!r} cannot take {event!r}")
        name = event if isinstance(event, str) else type(event).__name__
        self.details: dict[str, Any] = {"state": state, "event": name}


# -- the session -----------------------------------------------------------------


@dataclass
class IvrSession:
    config: Config
    caller: str | None
    dialled: str
    at: datetime
    state: str = "new"
    language: str = ""
    menu_path: list[str] = field(default_factory=list)
    played: list[str] = field(default_factory=list)
    admission: Admission | None = None
    terminal: Terminal | None = None  # the command that ended the session
    _menu: str = ""
    _tries: int = 0
    _ticket: str = ""

    def __post_init__(self) -> None:
        self.language = self.config.default_language

    @property
    def finished(self) -> bool:
        return self.state == "done"

    # -- the one entry point
    def send(self, event: Event) -> list[Command]:
        handler = TRANSITIONS.get((self.state, type(event)))
        if handler is None:
            raise IvrError(self.state, event)
        cmds = handler(self, event)
        for c in cmds:
            if isinstance(c, Play):
                self.played.append(f"{c.language}/{c.prompt}")
            elif isinstance(c, ReadDigits):
                langs = c.languages or (c.language,) * len(c.prompts)
                self.played.extend(f"{lg}/{p}" for lg, p in zip(langs, c.prompts, strict=True))
            elif isinstance(c, TERMINAL):
                self.state, self.terminal = "done", c
        return cmds

    # conveniences for drivers
    def start(self) -> list[Command]:
        return self.send(Start())

    def answer(self, keys: str) -> list[Command]:
        return self.send(Digits(keys) if keys else Timeout())

    def status_result(self, status: str | None) -> list[Command]:
        return self.send(StatusResult(status))

    # -- handlers
    def _on_start(self, _: Event) -> list[Command]:
        cfg = self.config
        self.admission = adm = admit(cfg, to_number=self.dialled, from_number=self.caller,
                                     at=self.at)
        lang = self.language
        if adm.gate == "unknown_number":
            return [Reject(adm.reason)]
        if adm.gate == "refused":
            assert adm.number is not None
            prompt = adm.number.refusal_prompt
            return [*([Play(prompt, lang)] if prompt else []), Reject(adm.reason)]
        if adm.gate == "closed":
            cmds: list[Command] = [Play("welcome", lang), Play("closed", lang)]
            if cfg.hours.callback and adm.caller.e164:
                self.state, self._tries = "callback_offer", 0
                self.menu_path.append("closed")
                return [*cmds, self._read(("callback_offer",))]
            return [*cmds, Play("goodbye", lang), Closed(adm.reason)]
        cmds = [Play("welcome", lang)]
        if len(cfg.languages) > 1:
            self.state, self._tries = "language", 0
            return [*cmds, self._language_menu()]
        return [*cmds, *self._enter(cfg.ivr.start)]

    def _on_language(self, event: Event) -> list[Command]:
        keys = event.digits if isinstance(event, Digits) else ""
        for lang in self.config.languages:
            if keys == lang.digit:
                self.language = lang.code
                self.menu_path.append(f"language/{keys}={lang.code}")
                return self._enter(self.config.ivr.start)
        return self._invalid("language", keys, self._language_menu)

    def _on_menu(self, event: Event) -> list[Command]:
        keys = event.digits if isinstance(event, Digits) else ""
        menu = self._current()
        option = menu.option(keys) if keys else None
        if option is None:
            return self._invalid(menu.id, keys, lambda: self._read((menu.prompt,)))
        self.menu_path.append(f"{menu.id}/{keys}")
        if option.action == "operator":
            skills = (self.language, *((option.skill,) if option.skill else ()))
            return self._operator(f"chose an operator in menu {menu.id!r}", skills)
        if option.action == "menu":
            assert option.target is not None
            return self._enter(option.target)
        if option.action == "status":
            self.state, self._tries = "status_number", 0
            return [self._read(("status_ask",), max_digits=self.config.ivr.status_digits + 1)]
        if option.action == "play":
            assert option.target is not None
            return [Play(option.target, self.language), *self._enter(menu.id)]
        return self._enter(menu.id)  # repeat

    def _on_status_number(self, event: Event) -> list[Command]:
        keys = (event.digits if isinstance(event, Digits) else "").rstrip("#")
        if not keys.isdigit():
            return self._invalid("status", keys, lambda: self._read(
                ("status_ask",), max_digits=self.config.ivr.status_digits + 1))
        self.state, self._ticket = "status_lookup", keys
        self.menu_path.append(f"status/{keys}")
        return [LookupStatus(keys)]

    def _on_status_result(self, event: Event) -> list[Command]:
        assert isinstance(event, StatusResult)
        lang = self.language
        prompt = STATUS_PROMPTS.get((event.status or "").lower())
        if event.status is None or prompt is None:
            said: list[Command] = [Play("status_unknown", lang)]
        else:
            said = [Play("status_is", lang), SayDigits(self._ticket, lang), Play(prompt, lang)]
        return [*said, *self._enter(self._menu)]

    def _on_callback(self, event: Event) -> list[Command]:
        keys = event.digits if isinstance(event, Digits) else ""
        adm = self.admission
        assert adm is not None and adm.caller.e164 is not None
        if keys == "1":
            self.menu_path.append("closed/1=callback")
            return [Play("callback_recorded", self.language),
                    RecordCallback(adm.caller.e164, self.language,
                                   f"{adm.reason}; the caller asked to be called back")]
        # No second chance here: the line is closed, the caller did not want it.
        return [Play("goodbye", self.language), Closed(adm.reason)]

    # -- helpers
    def _current(self) -> Menu:
        return self.config.ivr.menu(self._menu)

    def _read(self, prompts: tuple[str, ...], max_digits: int = 1) -> ReadDigits:
        return ReadDigits(prompts, self.language, self.config.ivr.timeout, max_digits)

    def _language_menu(self) -> ReadDigits:
        langs = self.config.languages
        return ReadDigits(tuple("language_choice" for _ in langs), langs[0].code,
                          self.config.ivr.timeout, 1, tuple(lg.code for lg in langs))

    def _enter(self, menu_id: str) -> list[Command]:
        self.state, self._menu, self._tries = "menu", menu_id, 0
        return [self._read((self._current().prompt,))]

    def _invalid(self, where: str, keys: str, again: Callable[[], ReadDigits]) -> list[Command]:
        self.menu_path.append(f"{where}/{keys or '(timeout)'}")
        self._tries += 1
        if self._tries > self.config.ivr.retries:
            why = f"no valid choice in {where!r} after {self._tries} tries"
            return self._operator(why, (self.language,))
        cmds: list[Command] = [Play("invalid", self.language)] if keys else []
        return [*cmds, again()]

    def _operator(self, why: str, skills: tuple[str, ...]) -> list[Command]:
        return [Play("to_operator", self.language), ToOperator(self.language, skills, why)]

    # -- where the session stands, for drivers and `kontakt route`
    def result(self) -> Outcome:
        """How the call left the IVR; only once ``finished``.  An operator
        outcome's skills are the language first, then the menu option's."""
        adm, cmd = self.admission, self.terminal
        if adm is None or cmd is None:
            raise IvrError(self.state, "result()")
        path, caller = tuple(self.menu_path), adm.caller.e164
        if isinstance(cmd, ToOperator):
            return Outcome(Action.QUEUE, f"{adm.reason}; {cmd.reason}", cmd.language,
                           skills=cmd.skills, caller=caller, menu_path=path)
        return Outcome(_LEAVES[type(cmd)], cmd.reason, self.language, caller=caller,
                       menu_path=path)

    @property
    def waiting_in(self) -> str | None:
        """What the session waits for keys in: "language", a menu id, "status" (a
        request number) or "callback_offer"; None while it looks a status up,
        before ``start`` and once done."""
        return {"language": "language", "menu": self._menu, "status_number": "status",
                "callback_offer": "callback_offer"}.get(self.state)

    @property
    def ticket(self) -> str:
        """The request number keyed in for a status lookup ('' before one)."""
        return self._ticket


_Handler = Callable[[IvrSession, Any], list[Command]]

TRANSITIONS: dict[tuple[str, type], _Handler] = {
    ("new", Start): IvrSession._on_start,
    ("language", Digits): IvrSession._on_language,
    ("language", Timeout): IvrSession._on_language,
    ("menu", Digits): IvrSession._on_menu,
    ("menu", Timeout): IvrSession._on_menu,
    ("status_number", Digits): IvrSession._on_status_number,
    ("status_number", Timeout): IvrSession._on_status_number,
    ("status_lookup", StatusResult): IvrSession._on_status_result,
    ("callback_offer", Digits): IvrSession._on_callback,
    ("callback_offer", Timeout): IvrSession._on_callback,
}
