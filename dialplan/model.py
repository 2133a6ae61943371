"""The configuration as the running system sees it: one immutable snapshot.

A ``Config`` is built by ``dialplan.loader.load_config`` after validation, so
everything in it is consistent (every menu target exists, every prompt has a
text in every enabled language).  Calls take one snapshot at their start and
keep it; a reload builds a new snapshot and never touches the old one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Literal

from dialplan.deadlines import Deadlines
from dialplan.departments import Department

CallerRule = Literal["refuse", "accept"]
# What a menu option does when its digit is pressed.
ActionKind = Literal["operator", "menu", "status", "play", "repeat"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Prompts the IVR itself plays, whatever the menus say.  Each needs a text in
# every enabled language (or a recorded file, see ivr.prompts).
SYSTEM_PROMPTS = (
    "welcome",          # first thing a caller hears on an open line
    "language_choice",  # "for Serbian press 1", in the language it offers
    "closed",           # the working hours, outside them
    "callback_offer",   # "press 1 to be called back"
    "callback_recorded",
    "invalid",          # wrong or no digit
    "to_operator",      # "connecting you to an operator"
    "status_ask",       # "enter the request number, then #"
    "status_unknown",   # no request with that number
    "status_is",        # "the status of request ... is"
    "status_active", "status_resolved", "status_cancelled",
    "goodbye",
    # The waiting room, in the caller's language (kontakt.calls.voice).
    "queue_next",       # "you are next"
    "queue_ahead",      # "callers ahead of you:" + a number
    "queue_wait",       # "expected wait, in minutes:" + a number
    "queue_callback",   # "press 1 to be called back; you keep your place"
    "queue_callback_recorded",
)


@dataclass(frozen=True)
class Language:
    code: str        # sr, hu, sk, ...
    name: str        # as its speakers write it
    voice: str       # espeak-ng voice for generated prompts
    digit: str       # key in the language menu


@dataclass(frozen=True)
class ServiceNumber:
    """A number citizens dial, and who may dial it."""

    e164: str
    name: str
    callers: tuple[str, ...]          # "any", "mobile", "foreign", "fixed", or area codes "021"
    refusal_prompt: str | None         # played to callers it refuses
    unknown_caller: CallerRule         # anonymous or unparseable callers
    refusal_reason: str = ""           # for administrators, in `kontakt route`


@dataclass(frozen=True)
class Span:
    start: time
    end: time  # exclusive: 15:30 is closed when the span is 07:30-15:30

    def contains(self, t: time) -> bool:
        return self.start <= t < self.end

    def __str__(self) -> str:
        end = "24:00" if self.end == time.max else f"{self.end:%H:%M}"
        return f"{self.start:%H:%M}-{end}"


@dataclass(frozen=True)
class SpecialDay:
    """A closure (no spans) or special opening hours on one date."""

    day: date
    spans: tuple[Span, ...]
    reason: str


@dataclass(frozen=True)
class Hours:
    weekly: tuple[tuple[Span, ...], ...]   # index 0 = Monday
    holidays_country: str | None            # "RS": public holidays from `holidays`
    special: tuple[SpecialDay, ...] = ()
    callback: bool = True                   # offer a callback request when closed


@dataclass(frozen=True)
class MenuOption:
    digit: str
    action: ActionKind
    target: str | None = None   # menu id for "menu", prompt id for "play"
    skill: str | None = None    # extra ACD skill for "operator" (the language is always one)


@dataclass(frozen=True)
class Menu:
    id: str
    prompt: str
    options: tuple[MenuOption, ...]

    def option(self, digit: str) -> MenuOption | None:
        for o in self.options:
            if o.digit == digit:
                return o
        return None


@dataclass(frozen=True)
class Ivr:
    start: str                 # first menu after the language choice
    timeout: float = 5.0       # seconds to wait for a digit
    retries: int = 2           # invalid or missing input repeats this often, then an operator
    status_digits: int = 10    # longest request number a caller can key in
    menus: tuple[Menu, ...] = ()

    def menu(self, menu_id: str) -> Menu:
        for m in self.menus:
            if m.id == menu_id:
                return m
        raise KeyError(menu_id)


@dataclass(frozen=True)
class Config:
    source: str                               # file it came from (or "<default>")
    timezone: str
    languages: tuple[Language, ...]           # enabled ones, first is the default
    numbers: tuple[ServiceNumber, ...]
    hours: Hours
    ivr: Ivr
    prompts: Mapping[str, Mapping[str, str]] = field(hash=False)  # prompt id -> language -> text
    departments: tuple[Department, ...] = ()
    deadlines: Deadlines = field(default_factory=Deadlines, hash=False)
    text: str = field(default="", repr=False, compare=False)  # the YAML it was read from

    @property
    def default_language(self) -> str:
        return self.languages[0].code

    def language(self, code: str) -> Language | None:
        for lang in self.languages:
            if lang.code == code:
                return lang
        return None

    def number(self, e164: str) -> ServiceNumber | None:
        for n in self.numbers:
            if n.e164 == e164:
                return n
        return None
